//! The plan-library schema. Released as the kernel's migration 5, before modules brought their
//! own migrations: the kernel's list still names it (a released migration never moves); schema
//! changes from now on go into the module's own list (`Module::migrations`).

/// Migration 5: plans with every version kept, activations, and the step rows that say which
/// instruction carries which step.
pub(crate) const MIGRATION_5: &str = r#"
    CREATE TABLE response_plans (
        id INTEGER PRIMARY KEY,
        scenario TEXT NOT NULL,
        latest_version INTEGER NOT NULL,
        retired INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE response_plan_versions (
        plan_id INTEGER NOT NULL REFERENCES response_plans(id),
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (plan_id, version)
    );
    CREATE TRIGGER response_plan_versions_no_update BEFORE UPDATE ON response_plan_versions
        BEGIN SELECT RAISE(ABORT, 'plan versions are kept as written'); END;
    CREATE TRIGGER response_plan_versions_no_delete BEFORE DELETE ON response_plan_versions
        BEGIN SELECT RAISE(ABORT, 'plan versions are kept as written'); END;
    CREATE TABLE plan_activations (
        id INTEGER PRIMARY KEY,
        plan_id INTEGER NOT NULL,
        plan_version INTEGER NOT NULL,
        incident_id INTEGER NOT NULL REFERENCES incidents(id),
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        activated_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        FOREIGN KEY (plan_id, plan_version) REFERENCES response_plan_versions(plan_id, version)
    );
    CREATE INDEX plan_activations_incident ON plan_activations(incident_id);
    CREATE TABLE plan_activation_steps (
        activation_id INTEGER NOT NULL REFERENCES plan_activations(id),
        idx INTEGER NOT NULL,
        instruction_id INTEGER NOT NULL REFERENCES instructions(id),
        PRIMARY KEY (activation_id, idx)
    );
    CREATE INDEX plan_activation_steps_instruction ON plan_activation_steps(instruction_id);
    "#;
