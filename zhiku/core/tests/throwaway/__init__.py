"""A throwaway app that exists only to prove that an app plugs into core without editing it."""
