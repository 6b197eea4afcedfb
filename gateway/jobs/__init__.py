"""Bulk user jobs (DESIGN.md section 9): a selection of a pool's users, one action on each, paced behind interactive
requests, persisted so that a restart resumes where it stopped and no item is written twice. No Strawberry here: the
graph's side is gateway/graphql/jobs.py."""
