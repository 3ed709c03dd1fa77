namespace Parley.Node.Protocol;

/// <summary>
/// One parsed client frame. Only the fields of its op are meaningful; the parser checks types,
/// the session checks which fields an op requires. <see cref="Rid"/> is the raw JSON of the
/// request id, echoed byte for byte.
/// </summary>
internal sealed class ClientFrame
{
    public required ClientOp Op { get; init; }

    public string? Rid { get; init; }

    public string? Token { get; init; }

    public string? Room { get; init; }

    public string? To { get; init; }

    public string? Id { get; init; }

    /// <summary>The raw UTF-8 JSON of <c>body</c>, or null when absent.</summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    public long? Since { get; init; }

    public long? Before { get; init; }

    public long? After { get; init; }

    public int? Limit { get; init; }

    /// <summary><c>inbox</c> as a number: the last inbox sequence seen (connect).</summary>
    public long? InboxSince { get; init; }

    /// <summary><c>inbox</c> as <c>true</c>: address the user's own inbox (history).</summary>
    public bool Inbox { get; init; }

    /// <summary><c>resume</c> on connect: room name to last sequence seen.</summary>
    public IReadOnlyDictionary<string, long>? Resume { get; init; }
}
