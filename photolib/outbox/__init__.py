"""The transactional outbox and the periodic jobs: background work that is never lost.

Below every domain app (any app may import it; it imports none of them).
"""
