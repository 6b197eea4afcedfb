"""What the replicas of one deployment share through Redis (DESIGN.md section 10): Cognito's quota budgets, the
per-caller rate limits and the read cache's invalidation, each with a local fallback while Redis is down."""
