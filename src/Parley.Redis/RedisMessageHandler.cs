namespace Parley.Redis;

/// <summary>Receives one pub/sub message. The payload is the message's own buffer and may be kept.</summary>
public delegate ValueTask RedisMessageHandler(string channel, ReadOnlyMemory<byte> payload);
