using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Redis.Protocol;
using Parley.Redis.Transport;

namespace Parley.Redis;

/// <summary>
/// A dedicated pub/sub connection (a subscribed Redis connection can run no other commands). It
/// keeps the set of channels asked for, not just those Redis confirmed: after a reconnect it
/// subscribes to every one of them again, then raises <see cref="Reconnected"/> so the owner can
/// recover what was published while it was away (Parley's broker re-reads room heads).
/// <para>
/// Messages are handed to their channel's handler one at a time, in the order Redis sent them,
/// from a single delivery loop that also raises <see cref="Reconnected"/>; the socket keeps being
/// read meanwhile, so a slow handler delays delivery, not subscribe confirmations.
/// </para>
/// </summary>
public sealed partial class RedisSubscriber : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly RedisMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly CancellationTokenSource _disposed = new();

    // Guards the channel set together with the pipeline it is subscribed on, so a subscribe racing a
    // reconnect lands either in the resubscription snapshot or on the new pipeline, never in neither.
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, RedisMessageHandler> _handlers = new(StringComparer.Ordinal);
    private CommandPipeline? _pipeline;
    private Task _supervision = Task.CompletedTask;

    private RedisSubscriber(RedisConnectionOptions options, ILogger? logger, RedisMetrics? metrics)
    {
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new RedisMetrics();
        _delivery = Task.Run(DeliverAsync);
    }

    public RedisConnectionOptions Options { get; }

    public bool IsConnected => Volatile.Read(ref _pipeline)?.IsOpen == true;

    /// <summary>Channels subscribed to or to be subscribed to on the next reconnect.</summary>
    public IReadOnlyCollection<string> Channels => _handlers.Keys.ToArray();

    /// <summary>Raised on the delivery loop after a reconnect, once every channel is subscribed again.</summary>
    public event EventHandler? Reconnected;

    /// <summary>Connects, authenticates and selects the database, or throws <see cref="RedisConnectionException"/>.</summary>
    public static async Task<RedisSubscriber> ConnectAsync(RedisConnectionOptions options, ILogger? logger = null, RedisMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        options.ThrowIfInvalid();
        var subscriber = new RedisSubscriber(options, logger, metrics);
        try
        {
            var transport = await RedisConnector.OpenAsync(options, cancellationToken);
            var pipeline = subscriber.Attach(transport, out _);
            subscriber._supervision = subscriber.SuperviseAsync(pipeline);
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }

        RedisLog.Connected(subscriber._logger, options.EndPoint);
        return subscriber;
    }

    /// <summary>
    /// Delivers the messages of <paramref name="channel"/> to <paramref name="handler"/> (replacing
    /// the handler if the channel is already subscribed) and completes when Redis confirms. While
    /// disconnected it throws <see cref="RedisConnectionException"/>, but the channel is kept and
    /// subscribed on reconnect; call <see cref="UnsubscribeAsync"/> to give it up.
    /// </summary>
    public Task SubscribeAsync(string channel, RedisMessageHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        PendingCommand? confirmation;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var added = _handlers.TryAdd(channel, handler);
            if (!added)
            {
                _handlers[channel] = handler;
                return Task.CompletedTask;
            }

            confirmation = Send(_pipeline, "SUBSCRIBE", channel);
        }

        return confirmation?.Task ?? Task.FromException(new RedisConnectionException(
            $"Not connected to Redis at {Options.EndPoint}; channel {channel} will be subscribed when the connection is back."));
    }

    /// <summary>
    /// Stops delivery for <paramref name="channel"/> at once (messages already received for it are
    /// dropped) and completes when Redis confirms, or at once while disconnected.
    /// </summary>
    public Task UnsubscribeAsync(string channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        PendingCommand? confirmation;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || !_handlers.TryRemove(channel, out _))
            {
                return Task.CompletedTask;
            }

            confirmation = Send(_pipeline, "UNSUBSCRIBE", channel);
        }

        return confirmation?.Task ?? Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        CommandPipeline? pipeline;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            pipeline = _pipeline;
        }

        pipeline?.Close(new RedisConnectionException($"The subscriber to Redis at {Options.EndPoint} was disposed."));
        await _supervision;
        _deliveries.Writer.TryComplete();
        if (!InDelivery.Value)
        {
            await _delivery;
        }

        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    /// <summary>Queues a command on <paramref name="pipeline"/>; null when it is closed (or there is none).</summary>
    private PendingCommand? Send(CommandPipeline? pipeline, string command, string channel)
    {
        if (pipeline is null)
        {
            return null;
        }

        var encoded = new ArrayBufferWriter<byte>(32 + channel.Length * 3);
        RespWriter.WriteCommand(encoded, command, [channel]);
        var pending = new PendingCommand(command, encoded.WrittenMemory, _metrics);
        if (!pipeline.TryEnqueue(pending))
        {
            return null;
        }

        _metrics.Command();
        pending.StartTimer(Options.CommandTimeout);
        return pending;
    }

    /// <summary>Builds a pipeline on <paramref name="transport"/> and, in the same step, subscribes it to every channel in the set.</summary>
    private CommandPipeline Attach(RespTransport transport, out Task resubscribed)
    {
        var pipeline = new CommandPipeline(transport, Route, _logger, _metrics);
        pipeline.Start();
        var confirmations = new List<Task>();
        lock (_gate)
        {
            foreach (var channel in _handlers.Keys)
            {
                confirmations.Add(Send(pipeline, "SUBSCRIBE", channel)?.Task ?? Task.FromException(new RedisConnectionException($"The connection to Redis at {Options.EndPoint} closed while subscribing again.")));
            }

            Volatile.Write(ref _pipeline, pipeline);
        }

        resubscribed = Task.WhenAll(confirmations);
        return pipeline;
    }

    private async Task<CommandPipeline> AttachAndResubscribeAsync(RespTransport transport)
    {
        var pipeline = Attach(transport, out var resubscribed);
        try
        {
            await resubscribed;
            RedisLog.Resubscribed(_logger, Options.EndPoint, _handlers.Count);
            return pipeline;
        }
        catch (Exception e)
        {
            pipeline.Close(e);
            await pipeline.Closed;
            throw;
        }
    }

    private async Task SuperviseAsync(CommandPipeline pipeline)
    {
        while (true)
        {
            var reason = await pipeline.Closed;
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            RedisLog.ConnectionLost(_logger, Options.EndPoint, reason);
            var next = await Reconnector.ReconnectAsync(Options, _logger, AttachAndResubscribeAsync, _disposed.Token);
            if (next is null)
            {
                return;
            }

            if (_disposed.IsCancellationRequested)
            {
                next.Close(new RedisConnectionException($"The subscriber to Redis at {Options.EndPoint} was disposed."));
                await next.Closed;
                return;
            }

            pipeline = next;
            _metrics.Reconnect();
            RedisLog.Reconnected(_logger, Options.EndPoint);
            _deliveries.Writer.TryWrite(Delivery.ReconnectedMark);
        }
    }
}
