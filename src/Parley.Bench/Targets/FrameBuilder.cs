using System.Buffers;
using System.Text.Json;

namespace Parley.Bench.Targets;

/// <summary>Builds one outgoing JSON frame into a fresh array, reusing a per-thread buffer and writer.</summary>
internal static class FrameBuilder
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <param name="suffix">Bytes appended after the JSON, e.g. SignalR's record separator.</param>
    /// <param name="prefix">Bytes written before the JSON, e.g. Socket.IO's packet type.</param>
    public static byte[] Build<TState>(TState state, Action<Utf8JsonWriter, TState> write, ReadOnlySpan<byte> prefix = default, ReadOnlySpan<byte> suffix = default)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        buffer.Write(prefix);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(buffer);
        write(writer, state);
        writer.Flush();
        buffer.Write(suffix);
        return buffer.WrittenSpan.ToArray();
    }
}
