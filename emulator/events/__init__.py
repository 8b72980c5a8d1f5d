"""Amazon EventBridge: event buses, rules, targets and schedules."""
