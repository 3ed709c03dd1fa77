using System.Buffers;
using System.Text.Json.Serialization;
using System.Text.Json;
using Parley.Node.Auth;
using Parley.Node.Connections;
using Parley.Node.Presence;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Http;

/// <summary>History and presence of a room for a tenant's backend (scope <c>read</c>).</summary>
internal static class ReadEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/rooms/{room}/messages", HistoryAsync)
            .WithName("RoomHistory")
            .WithTags("rooms")
            .WithSummary("A page of a room's messages, oldest first: before, after or the newest.")
            .WithMetadata(new OpenApiSetup.Authenticated())
            .Produces<HistoryReply>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/v1/rooms/{room}/presence", PresenceAsync)
            .WithName("RoomPresence")
            .WithTags("rooms")
            .WithSummary("The users present in a room now.")
            .WithMetadata(new OpenApiSetup.Authenticated())
            .Produces<PresenceReply>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> HistoryAsync(string room, long? before, long? after, int? limit, HttpContext context, ITokenVerifier verifier, IMessageStore store, SessionServices session, RoomPolicies policies)
    {
        var (stream, error) = await AuthorizeAsync(room, context, verifier);
        if (stream is null)
        {
            return error!;
        }

        if (before < 0 || after < 0 || limit <= 0 || (before is not null && after is not null))
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "Use at most one of before and after, with non-negative values, and a positive limit.");
        }

        try
        {
            if (session.Memory.IsUnderPressure)
            {
                session.Metrics.LimitRefusal("memory");
                return HttpErrors.Result(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Overloaded, "The node is short of memory and refused this read; retry later.");
            }

            // An ephemeral room keeps nothing: its page is always empty, as the history op's is.
            var (head, messages) = policies.For(stream).Ephemeral
                ? (HistoryPage.Empty, [])
                : await HistoryPage.ReadAsync(store, stream, before, after, limit, context.RequestAborted);
            messages = HistoryPage.Fit(messages, session.Options.Limits.MaxHistoryPageBytes, newest: after is null);
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("room"u8, room);
                w.WriteNumber("head"u8, head.Head);
                w.WriteNumber("first"u8, head.FirstRetained);
                ServerFrames.WriteMessages(w, stream, messages);
                w.WriteEndObject();
            }

            return Results.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
        }
        catch (StoreUnavailableException)
        {
            return HttpErrors.Result(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable, "The store did not answer.");
        }
    }

    private static async Task<IResult> PresenceAsync(string room, HttpContext context, ITokenVerifier verifier, IPresenceStore presence, RoomPolicies policies)
    {
        var (stream, error) = await AuthorizeAsync(room, context, verifier);
        if (stream is null)
        {
            return error!;
        }

        // A room whose policy keeps no presence lists nobody.
        IReadOnlyList<string> users = policies.For(stream).Presence ? await presence.ListAsync(stream, context.RequestAborted) : [];
        return Results.Json(new PresenceReply(room, users));
    }

    private static async Task<(StreamId? Stream, IResult? Error)> AuthorizeAsync(string room, HttpContext context, ITokenVerifier verifier)
    {
        var (principal, error) = await HttpAuth.AuthenticateAsync(context, verifier, Principal.ReadScope);
        if (principal is null)
        {
            return (null, error);
        }

        if (!Identifiers.IsValid(room))
        {
            return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRoom, "The room name breaks the identifier rules."));
        }

        if (!principal.Rooms.Allows(room))
        {
            return (null, HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "The token does not allow this room."));
        }

        return (StreamId.Room(principal.Tenant, room), null);
    }

    public sealed record PresenceReply(string Room, IReadOnlyList<string> Users);

    /// <summary>A history page as written by <see cref="ServerFrames.WriteMessages"/>: declared for the OpenAPI document.</summary>
    public sealed record HistoryReply(string Room, long Head, long First, IReadOnlyList<HistoryMessage> Messages);

    /// <summary>One message of a history page; <c>from_kind</c> only on a message an API key published.</summary>
    public sealed record HistoryMessage(long Seq, string Id, string From, string Ts, JsonElement Body)
    {
        [JsonPropertyName("from_kind")]
        public string? FromKind { get; init; }
    }
}
