using System.Text.Json;

namespace Parley.Client;

/// <summary>
/// A durable message: committed by the server with a sequence number before anyone received it.
/// A room message has <see cref="Room"/>; a direct message has <see cref="To"/> and no room, and its
/// <see cref="Seq"/> is the position in this user's inbox.
/// </summary>
/// <param name="Room">The room the message was sent to; null for a direct message.</param>
/// <param name="To">For a direct message, its recipient (this user, or the peer on the copy of a message this user sent); otherwise null.</param>
/// <param name="Seq">The message's sequence number in its room, or in this user's inbox for a direct message. Sequences only grow. 0 for a message of an ephemeral room (see <see cref="Ephemeral"/>).</param>
/// <param name="Id">The sender's message id, unique per sender within the tenant.</param>
/// <param name="From">The sender's id: a user id, or the id of the tenant's API key that published it (see <see cref="FromKind"/>).</param>
/// <param name="Timestamp">When the server committed the message (server clock, UTC).</param>
/// <param name="Body">The application's payload exactly as sent; it stays valid after the client is disposed.</param>
public sealed record ParleyMessage(string? Room, string? To, long Seq, string Id, string From, DateTimeOffset Timestamp, JsonElement Body)
{
    /// <summary>Whether this is a direct message (from the inbox) rather than a room message.</summary>
    public bool IsDirect => Room is null;

    /// <summary>
    /// Whether the message came from an ephemeral room: never stored, without a sequence, delivered
    /// at most once and possibly not at all. Such messages are neither de-duplicated nor resumed.
    /// </summary>
    public bool Ephemeral => Room is not null && Seq == 0;

    /// <summary>
    /// Whether a user or a tenant's backend sent the message. A backend publishing with an API key
    /// has <see cref="ParleySenderKind.ApiKey"/> and the key's id (<c>ak-…</c>) as <see cref="From"/>;
    /// no user id can take that form, so a message from an API key cannot be imitated.
    /// </summary>
    public ParleySenderKind FromKind { get; init; }

    /// <summary>Deserializes <see cref="Body"/> into an application type.</summary>
    /// <typeparam name="T">The type the body was serialized from.</typeparam>
    /// <param name="options">Serializer options; <see cref="JsonSerializerOptions.Web"/> when null.</param>
    /// <returns>The body as <typeparamref name="T"/>, or default when the body is JSON <c>null</c>.</returns>
    public T? BodyAs<T>(JsonSerializerOptions? options = null) => Body.Deserialize<T>(options ?? JsonSerializerOptions.Web);
}
