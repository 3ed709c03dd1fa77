using System.Text.Json;

namespace Parley.Client;

/// <summary>
/// An ephemeral signal from another member of a room, such as a typing indicator. Signals are
/// never stored, never replayed and may be dropped under load.
/// </summary>
/// <param name="Room">The room the signal was sent to.</param>
/// <param name="From">The user id of the sender.</param>
/// <param name="Body">The application's payload exactly as sent.</param>
public sealed record ParleySignal(string Room, string From, JsonElement Body);

/// <summary>
/// Users who became present in a room (a first connection of theirs joined it) or stopped being
/// present (their last connection left it). Presence events are ephemeral: after a reconnect, ask
/// <see cref="ParleyClient.PresenceAsync"/> for the full list.
/// </summary>
/// <param name="Room">The room whose membership changed.</param>
/// <param name="Joined">Users now present.</param>
/// <param name="Left">Users no longer present.</param>
public sealed record PresenceChange(string Room, IReadOnlyList<string> Joined, IReadOnlyList<string> Left);

/// <summary>
/// An error the server reported outside any pending request (for example <c>frame_too_large</c>
/// without a request id, or a room left because a refreshed token no longer allows it), or a
/// failure of the client's background work such as a token refresh. The connection keeps working.
/// </summary>
/// <param name="Code">A code from <see cref="ParleyErrorCodes"/>.</param>
/// <param name="Message">A human-readable explanation.</param>
/// <param name="Room">The room concerned, when there is one.</param>
public sealed record ParleyError(string Code, string Message, string? Room = null);
