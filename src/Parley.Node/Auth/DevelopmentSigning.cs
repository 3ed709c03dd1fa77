namespace Parley.Node.Auth;

/// <summary>
/// The development key this node verifies with, or null when it verifies with configured keys
/// only. Read by development sign-in, which exists only while this is set.
/// </summary>
internal sealed record DevelopmentSigning(string? Secret);
