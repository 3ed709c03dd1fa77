using Parley.Node.Rooms;

namespace Parley.Node.Connections;

/// <summary>An encoded frame waiting in a connection's queue. The bytes may be shared with other connections.</summary>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Data, FrameClass Class);
