namespace Parley.Bench.Transport;

/// <summary>A WebSocket upgrade that failed for good: refused past the retry deadline, or not a WebSocket at all.</summary>
internal sealed class ConnectRefusedException(string message, Exception? inner = null) : Exception(message, inner);
