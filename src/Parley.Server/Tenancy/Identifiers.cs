// The identifier rules have one definition, in the auth service's assembly, which every node
// already references: nodes and the auth service can then never disagree on what a tenant, room,
// user or API key id may be. This alias lets node code name them as before.
global using Identifiers = Parley.Auth.Identifiers;
