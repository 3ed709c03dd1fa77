using System.Globalization;
using System.Text.Json;

namespace Parley.Client;

/// <summary>
/// Decodes one complete server text message. Pure. Throws <see cref="JsonException"/> for a frame
/// that is not a JSON object, lacks a field its op requires, or has a field of the wrong type; an
/// unknown op is not an error (<see cref="UnknownFrame"/>). Bodies are copied out of the input, so
/// the caller may reuse its buffer as soon as this returns.
/// </summary>
internal static class FrameReader
{
    private static readonly IReadOnlyList<string> NoUsers = [];

    public static ServerFrame Read(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"A server frame must be a JSON object, not {root.ValueKind}.");
        }

        var op = RequiredString(root, "op");
        var rid = Rid(root);
        return op switch
        {
            "connected" => new ConnectedFrame(new ParleySessionInfo(
                RequiredString(root, "conn"),
                RequiredString(root, "node"),
                RequiredString(root, "tenant"),
                RequiredString(root, "user"),
                TimeSpan.FromSeconds(RequiredInt64(root, "ping")),
                RequiredTimestamp(root, "expires"),
                OptionalInt64(root, "inbox_head") ?? 0)),
            "refreshed" => new RefreshedFrame(rid, RequiredTimestamp(root, "expires")),
            "joined" => new JoinedFrame(rid, new JoinResult(
                RequiredString(root, "room"),
                RequiredInt64(root, "head"),
                OptionalBoolean(root, "resumed") ?? true)
            {
                Ephemeral = OptionalBoolean(root, "ephemeral") ?? false,
            }),
            "left" => new LeftFrame(rid, RequiredString(root, "room"), OptionalString(root, "reason")),
            // An ephemeral room's ack and messages carry no seq: nothing was stored to number them.
            "ack" => new AckFrame(rid, OptionalString(root, "room"), OptionalString(root, "to"), new SendResult(
                OptionalInt64(root, "seq") ?? 0,
                RequiredString(root, "id"),
                RequiredTimestamp(root, "ts"),
                OptionalBoolean(root, "duplicate") ?? false)),
            "msg" => new MessageFrame(Message(root, OptionalString(root, "room"), OptionalString(root, "to"))),
            "signal" => new SignalFrame(new ParleySignal(
                RequiredString(root, "room"),
                RequiredString(root, "from"),
                Body(root))),
            "presence" => root.TryGetProperty("users", out _)
                ? new PresenceListFrame(rid, RequiredString(root, "room"), Strings(root, "users"))
                : new PresenceEventFrame(new PresenceChange(RequiredString(root, "room"), Strings(root, "joined"), Strings(root, "left"))),
            "history" => new HistoryFrame(rid, History(root)),
            "pong" => new PongFrame(rid),
            "ping" => new PingFrame(),
            "error" => new ErrorFrame(rid, RequiredString(root, "code"), OptionalString(root, "message") ?? string.Empty),
            "reconnect" => new ReconnectFrame(TimeSpan.FromMilliseconds(Math.Max(0, RequiredInt64(root, "after_ms"))), OptionalString(root, "reason")),
            _ => new UnknownFrame(rid, op),
        };
    }

    private static HistoryPage History(JsonElement root)
    {
        var room = OptionalString(root, "room");
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("'history' needs an array 'messages'.");
        }

        var messages = new List<ParleyMessage>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            // History items name neither room nor recipient; the page names the room.
            messages.Add(Message(item, room, OptionalString(item, "to")));
        }

        return new HistoryPage(room, RequiredInt64(root, "head"), OptionalInt64(root, "first") ?? 0, messages);
    }

    private static ParleyMessage Message(JsonElement element, string? room, string? to)
        => new(
            room,
            room is null ? to : null,
            room is not null ? OptionalInt64(element, "seq") ?? 0 : RequiredInt64(element, "seq"),
            RequiredString(element, "id"),
            RequiredString(element, "from"),
            RequiredTimestamp(element, "ts"),
            Body(element))
        {
            FromKind = OptionalString(element, "from_kind") switch
            {
                null => ParleySenderKind.User,
                "api_key" => ParleySenderKind.ApiKey,
                _ => ParleySenderKind.Unknown,
            },
        };

    private static JsonElement Body(JsonElement element)
        => element.TryGetProperty("body", out var body)
            ? body.Clone()
            : throw new JsonException("The frame has no 'body'.");

    /// <summary>Our rids are integers; a string rid that is one is accepted, anything else matches no request.</summary>
    private static long? Rid(JsonElement root)
    {
        if (!root.TryGetProperty("rid", out var rid))
        {
            return null;
        }

        return rid.ValueKind switch
        {
            JsonValueKind.Number when rid.TryGetInt64(out var number) => number,
            JsonValueKind.String when long.TryParse(rid.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }

    private static string RequiredString(JsonElement element, string name)
        => OptionalString(element, name) ?? throw new JsonException($"The frame needs a string '{name}'.");

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new JsonException($"'{name}' must be a string, not {value.ValueKind}.");
    }

    private static long RequiredInt64(JsonElement element, string name)
        => OptionalInt64(element, name) ?? throw new JsonException($"The frame needs an integer '{name}'.");

    private static long? OptionalInt64(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new JsonException($"'{name}' must be an integer.");
    }

    private static bool? OptionalBoolean(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new JsonException($"'{name}' must be a boolean."),
        };
    }

    private static DateTimeOffset RequiredTimestamp(JsonElement element, string name)
    {
        var text = RequiredString(element, name);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ts)
            ? ts
            : throw new JsonException($"'{name}' must be an ISO 8601 timestamp; got '{text}'.");
    }

    private static IReadOnlyList<string> Strings(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return NoUsers;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException($"'{name}' must be an array of strings.");
        }

        var list = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new JsonException($"'{name}' must hold only strings."));
        }

        return list;
    }
}
