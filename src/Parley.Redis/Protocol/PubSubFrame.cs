namespace Parley.Redis.Protocol;

/// <summary>What a frame read on a subscriber connection is, under RESP2 (arrays) or RESP3 (pushes).</summary>
internal enum PubSubFrameKind
{
    /// <summary>A reply to a command: a (un)subscribe confirmation, an error, a PONG.</summary>
    Reply,

    /// <summary>A published message for a subscribed channel.</summary>
    Message,

    /// <summary>A RESP3 push the subscriber has no use for (such as an invalidation).</summary>
    Ignored,
}

internal static class PubSubFrame
{
    public static PubSubFrameKind Classify(RespValue frame, out string channel, out ReadOnlyMemory<byte> payload)
    {
        channel = "";
        payload = default;
        if (frame.Type is not (RespType.Array or RespType.Push))
        {
            return PubSubFrameKind.Reply;
        }

        var items = frame.Items;
        if (items.Count == 3 && items[0].IsText("message"u8))
        {
            channel = items[1].AsString() ?? "";
            payload = items[2].AsBytes() ?? [];
            return PubSubFrameKind.Message;
        }

        var confirmation = items.Count > 0 && (items[0].IsText("subscribe"u8) || items[0].IsText("unsubscribe"u8));
        return frame.Type == RespType.Push && !confirmation ? PubSubFrameKind.Ignored : PubSubFrameKind.Reply;
    }
}
