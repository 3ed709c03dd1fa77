using System.Buffers;
using System.IO.Pipelines;

namespace Parley.Node.Connections.Upgrade;

/// <summary>
/// A connection's transport pipes as the stream under a WebSocket. A zero-length read waits until
/// data has arrived without taking any of it (so an idle socket's receive holds no buffer); a write
/// is flushed before it completes, so writers are paced by the network through the transport's
/// bounded output buffer. Disposing wakes a pending read or flush, which then fail, so an aborted
/// WebSocket never leaves a reader waiting.
/// </summary>
internal sealed class TransportStream(IDuplexPipe transport) : Stream
{
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = await transport.Input.ReadAsync(cancellationToken);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The connection's transport was closed.");
        }

        var data = result.Buffer;
        if (data.IsEmpty)
        {
            // Only a completed pipe answers with nothing: the end of the stream.
            transport.Input.AdvanceTo(data.End);
            return 0;
        }

        var taken = (int)Math.Min(buffer.Length, data.Length);
        data.Slice(0, taken).CopyTo(buffer.Span);
        transport.Input.AdvanceTo(data.GetPosition(taken));
        return taken;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The transport is read asynchronously only.");

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = await transport.Output.WriteAsync(buffer, cancellationToken);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new IOException("The connection's transport is closed.");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The transport is written asynchronously only.");

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await transport.Output.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            transport.Input.CancelPendingRead();
            transport.Output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }
}
