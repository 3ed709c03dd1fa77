namespace Parley.Client;

/// <summary>What kind of identity sent a message: the <c>from_kind</c> field of <c>msg</c> frames and history entries.</summary>
public enum ParleySenderKind
{
    /// <summary>A user, through a token (over WebSocket or HTTP). The server leaves <c>from_kind</c> out.</summary>
    User,

    /// <summary>A tenant's backend, through one of its API keys (<c>"from_kind":"api_key"</c>); <see cref="ParleyMessage.From"/> is the key's id.</summary>
    ApiKey,

    /// <summary>A kind this version of the SDK does not know. Never taken for a user.</summary>
    Unknown,
}
