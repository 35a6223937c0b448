// A store that cannot be read or written (SPEC §5: exit 3).

export class StoreError extends Error {}
