namespace Parley.Node.Protocol;

/// <summary>
/// A client frame or request that cannot be served; carries the error code sent back and, when
/// the frame was readable far enough, its request id.
/// </summary>
internal sealed class ProtocolException(string code, string message, string? rid = null) : Exception(message)
{
    public string Code { get; } = code;

    public string? Rid { get; } = rid;
}
