using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Parley.Redis.Transport;

/// <summary>
/// The life of one socket: commands from any thread enter one channel; a single write loop writes
/// them in order, appending each to the reply FIFO just before its bytes, and flushes whenever the
/// channel runs dry (so a burst goes out in few packets); a single read loop pairs each reply with
/// the FIFO's head. Frames the owner claims out of band (pushes, pub/sub messages) skip the FIFO.
/// The first failure of either loop closes the pipeline; once both loops have stopped, every
/// command not yet answered fails with <see cref="RedisConnectionException"/> and
/// <see cref="Closed"/> completes. A pipeline never reconnects; its owner builds a new one.
/// </summary>
internal sealed class CommandPipeline
{
    // A steady stream of commands would otherwise never let the channel run dry and flush.
    private const int FlushThreshold = 64 * 1024;

    private readonly RespTransport _transport;
    private readonly Func<RespValue, bool> _outOfBand;
    private readonly ILogger _logger;
    private readonly RedisMetrics _metrics;
    private readonly Channel<PendingCommand> _outgoing = Channel.CreateUnbounded<PendingCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<PendingCommand> _awaiting = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _reason;
    private int _closing;

    /// <param name="outOfBand">Returns true for a frame that is not a reply; it is then not paired with a command.</param>
    public CommandPipeline(RespTransport transport, Func<RespValue, bool> outOfBand, ILogger logger, RedisMetrics metrics)
    {
        _metrics = metrics;
        _transport = transport;
        _outOfBand = outOfBand;
        _logger = logger;
    }

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Completes with the reason once the socket is closed and every pending command has failed.</summary>
    public Task<Exception> Closed => _closed.Task;

    public void Start() => _ = RunAsync();

    /// <summary>False once the pipeline is closing: the command was not accepted and will never be sent.</summary>
    public bool TryEnqueue(PendingCommand command) => _outgoing.Writer.TryWrite(command);

    public void Close(Exception reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _reason = reason;
        _outgoing.Writer.TryComplete();
        _stop.Cancel();
        _transport.Abort();
    }

    private async Task RunAsync()
    {
        await Task.WhenAll(Task.Run(ReadLoopAsync), Task.Run(WriteLoopAsync));
        await _transport.DisposeAsync();

        var reason = _reason!;
        while (_outgoing.Reader.TryRead(out var unsent))
        {
            unsent.Fail(new RedisConnectionException($"The connection to Redis at {_transport.EndPoint} closed before {unsent.Name} was sent. {reason.Message}", reason));
        }

        while (_awaiting.TryDequeue(out var unanswered))
        {
            unanswered.Fail(new RedisConnectionException($"The connection to Redis at {_transport.EndPoint} closed before {unanswered.Name} was answered; it may or may not have run. {reason.Message}", reason));
        }

        _closed.SetResult(reason);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var reply = await _transport.ReadAsync(_stop.Token);
                if (_outOfBand(reply))
                {
                    continue;
                }

                if (!_awaiting.TryDequeue(out var command))
                {
                    throw new RespProtocolException($"Redis sent a reply no command was waiting for: {reply}");
                }

                command.Complete(reply);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _outgoing.Reader;
            var output = _transport.Output;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                var unflushed = 0;
                while (IsOpen && reader.TryRead(out var command))
                {
                    if (command.Task.IsCompleted)
                    {
                        // Timed out while queued: nobody awaits its reply, so it is not sent at all.
                        continue;
                    }

                    _awaiting.Enqueue(command);
                    output.Write(command.Payload.Span);
                    unflushed += command.Payload.Length;
                    if (unflushed >= FlushThreshold)
                    {
                        await output.FlushAsync(_stop.Token);
                        unflushed = 0;
                    }
                }

                await output.FlushAsync(_stop.Token);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void Fail(Exception e)
    {
        // After a close from outside (or by the other loop) the loops see cancellations and
        // disposed sockets; only the first reason is kept.
        if (e is RespProtocolException protocol && IsOpen)
        {
            RedisLog.ProtocolError(_logger, _transport.EndPoint, protocol);
            _metrics.Error(protocol);
        }

        Close(e);
    }
}
