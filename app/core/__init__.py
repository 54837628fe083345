"""The shared kernel every package may import: refusals (DomainError), the unit of work, the
audit writer, codes, public URLs, the per-process cache, database refusals as messages, NIP."""
