using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Parley.Node.Auth;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Publishing;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Microsoft.Extensions.Options;

namespace Parley.Node.Http;

/// <summary>
/// <c>POST /api/v1/rooms/{room}/messages</c> and <c>POST /api/v1/users/{user}/messages</c>: how a
/// tenant's backend publishes from any node. Idempotent through the message id (or the
/// <c>Idempotency-Key</c> header); the reply comes only after the commit and carries the sequence.
/// </summary>
internal static class PublishEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/rooms/{room}/messages", PublishToRoomAsync)
            .WithName("PublishToRoom")
            .WithTags("rooms")
            .WithSummary("Commit a message to a room and deliver it to its members on every node.")
            .WithMetadata(new OpenApiSetup.Authenticated(), new OpenApiSetup.TakesIdempotencyKey())
            .Accepts<PublishBody>("application/json")
            .Produces<RoomPublishReply>()
            .ProducesErrors(PublishErrors);
        app.MapPost("/api/v1/users/{user}/messages", PublishToUserAsync)
            .WithName("PublishToUser")
            .WithTags("users")
            .WithSummary("Commit a direct message to a user's inbox and deliver it to every connection of that user.")
            .WithMetadata(new OpenApiSetup.Authenticated(), new OpenApiSetup.TakesIdempotencyKey())
            .Accepts<PublishBody>("application/json")
            .Produces<UserPublishReply>()
            .ProducesErrors(PublishErrors);
    }

    /// <summary>
    /// What a publish can be refused with: a bad request (400), a missing or invalid credential
    /// (401), a scope, room or tenant not allowed (403), a request too large (413), a reused id
    /// (422), the tenant's rate (429), the store (503).
    /// </summary>
    private static readonly int[] PublishErrors =
    [
        StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge,
        StatusCodes.Status422UnprocessableEntity, StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable,
    ];

    private static async Task<IResult> PublishToRoomAsync(string room, HttpContext context, ITokenVerifier verifier, MessagePublisher publisher, TenantLimits limits, IPublishRateLimiter rates, IOptionsMonitor<ParleyOptions> options)
    {
        var (principal, error) = await HttpAuth.AuthenticateAsync(context, verifier, Principal.PublishScope);
        if (principal is null)
        {
            return error!;
        }

        if (!Identifiers.IsValid(room))
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRoom, "The room name breaks the identifier rules.");
        }

        if (!principal.Rooms.Allows(room))
        {
            return HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "The token does not allow this room.");
        }

        var (request, refusal) = await ReadAsync(context, principal, limits, rates, options.CurrentValue.Limits.MaxHttpPublishBytes);
        if (request is null)
        {
            return refusal!;
        }

        try
        {
            var outcome = await publisher.PublishToRoomAsync(StreamId.Room(principal.Tenant, room), principal.User, request.Value.Id, request.Value.Body, "http", context.RequestAborted);
            // An ephemeral room's message was delivered, not stored: it has no sequence to report.
            return Results.Json(new RoomPublishReply(room, outcome.Seq > 0 ? outcome.Seq : null, request.Value.Id, ServerFrames.FormatTimestamp(outcome.Timestamp), outcome.Duplicate));
        }
        catch (Exception e) when (e is StoreUnavailableException or ProtocolException)
        {
            return Refused(e);
        }
    }

    private static async Task<IResult> PublishToUserAsync(string user, HttpContext context, ITokenVerifier verifier, MessagePublisher publisher, TenantLimits limits, IPublishRateLimiter rates, IOptionsMonitor<ParleyOptions> options)
    {
        var (principal, error) = await HttpAuth.AuthenticateAsync(context, verifier, Principal.PublishScope);
        if (principal is null)
        {
            return error!;
        }

        if (!Identifiers.IsValid(user))
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.InvalidUser, "The user id breaks the identifier rules.");
        }

        var (request, refusal) = await ReadAsync(context, principal, limits, rates, options.CurrentValue.Limits.MaxHttpPublishBytes);
        if (request is null)
        {
            return refusal!;
        }

        try
        {
            // A backend's publish has no inbox of its own to copy to: the sender is a service identity.
            var outcome = await publisher.PublishDirectAsync(principal.Tenant, principal.User, user, request.Value.Id, request.Value.Body, copyToSender: false, "http", context.RequestAborted);
            return Results.Json(new UserPublishReply(user, outcome.Seq, request.Value.Id, ServerFrames.FormatTimestamp(outcome.Timestamp), outcome.Duplicate));
        }
        catch (Exception e) when (e is StoreUnavailableException or ProtocolException)
        {
            return Refused(e);
        }
    }

    /// <summary>Reads and checks the request body: size, JSON shape, id, body size and the tenant's rate.</summary>
    private static async Task<(PublishRequest? Request, IResult? Refusal)> ReadAsync(HttpContext context, Principal principal, TenantLimits limits, IPublishRateLimiter rates, int maxRequestBytes)
    {
        if (context.Request.ContentLength > maxRequestBytes)
        {
            return (null, TooLarge(maxRequestBytes));
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxRequestBytes;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxRequestBytes));
        }
        catch (JsonException)
        {
            return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "The request body is not valid JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "The request body must be a JSON object."));
            }

            // The WebSocket rule: well-formed Unicode, or refused; never repaired.
            if (!JsonText.IsWellFormed(JsonMarshal.GetRawUtf8Value(document.RootElement)))
            {
                return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "The request body must be valid UTF-8 with no unpaired surrogate escape."));
            }

            var id = document.RootElement.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()
                : context.Request.Headers["Idempotency-Key"].FirstOrDefault();
            if (id is null || !Identifiers.IsValid(id))
            {
                return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.InvalidId, "An 'id' (or Idempotency-Key header) following the identifier rules is required."));
            }

            if (!document.RootElement.TryGetProperty("body", out var bodyElement))
            {
                return (null, HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.MissingBody, "A 'body' is required."));
            }

            // The body's bytes as sent, as a WebSocket send stores them.
            var body = JsonMarshal.GetRawUtf8Value(bodyElement).ToArray();
            var tenantLimits = limits.For(principal.Tenant);
            var maxBody = tenantLimits.MaxMessageBytes;
            if (body.Length > maxBody)
            {
                return (null, HttpErrors.Result(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, $"The body exceeds {maxBody} bytes."));
            }

            if (!await rates.TryTakeAsync(principal.Tenant, tenantLimits.TenantPublishesPerSecond, context.RequestAborted))
            {
                var refusal = PublishRefusal.TenantRate;
                return (null, HttpErrors.Result(StatusCodes.Status429TooManyRequests, refusal.Code, refusal.Message));
            }

            return (new PublishRequest(id, body), null);
        }
    }

    private static IResult TooLarge(int max)
        => HttpErrors.Result(StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, $"Publish requests are limited to {max} bytes.");

    /// <summary>
    /// A publish that was not committed (503, retry with the same id), whose commit was not
    /// confirmed (503 <c>outcome_unknown</c>: a retry with the same id tells the outcome and never
    /// stores twice), or whose id was used before for another message (422, a new id is needed).
    /// </summary>
    private static IResult Refused(Exception e) => e switch
    {
        ProtocolException { Code: ErrorCodes.IdConflict } conflict => HttpErrors.Result(StatusCodes.Status422UnprocessableEntity, conflict.Code, conflict.Message),
        ProtocolException other => HttpErrors.Result(StatusCodes.Status400BadRequest, other.Code, other.Message),
        CommitOutcomeUnknownException => HttpErrors.Result(StatusCodes.Status503ServiceUnavailable, ErrorCodes.OutcomeUnknown, "The store did not confirm the commit in time; the message may have been stored. Retry with the same id: it is never stored twice, and the reply tells its sequence."),
        _ => HttpErrors.Result(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable, "The store did not commit; nothing was stored. Retry with the same id."),
    };

    private readonly record struct PublishRequest(string Id, byte[] Body);

    /// <summary>The request: the message id and any JSON value as its body.</summary>
    public sealed record PublishBody(string? Id, JsonElement Body);

    /// <summary>The reply to a room publish; <c>seq</c> is absent for an ephemeral room, whose messages are not numbered.</summary>
    public sealed record RoomPublishReply(
        string Room,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] long? Seq,
        string Id,
        string Ts,
        bool Duplicate);

    public sealed record UserPublishReply(string To, long Seq, string Id, string Ts, bool Duplicate);
}
