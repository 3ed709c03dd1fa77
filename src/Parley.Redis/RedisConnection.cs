using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Redis.Protocol;
using Parley.Redis.Transport;

namespace Parley.Redis;

/// <summary>
/// One multiplexed, pipelined connection to Redis, safe to share by the whole node. Commands from
/// any thread are written in the order they are issued and answered in that order.
/// <para>
/// Policy while disconnected: a command fails at once with <see cref="RedisConnectionException"/>;
/// nothing is queued, so the caller (the broker, the presence store) decides whether to retry or to
/// fall back. Commands in flight when the socket breaks fail the same way, and may or may not have
/// run. Meanwhile the connection reconnects in the background with backoff, and runs AUTH and
/// SELECT again before it accepts commands.
/// </para>
/// <para>
/// A command unanswered within <see cref="RedisConnectionOptions.CommandTimeout"/> fails with
/// <see cref="RedisTimeoutException"/>; the connection stays up, and the late reply is read and
/// dropped so that every later command still gets its own reply. A server that keeps the socket
/// open but never answers (paused, overloaded) is therefore not reconnected to; its commands time out.
/// </para>
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly RedisMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly CancellationTokenSource _disposed = new();
    private volatile CommandPipeline? _pipeline;
    private Task _supervision = Task.CompletedTask;

    private RedisConnection(RedisConnectionOptions options, ILogger? logger, RedisMetrics? metrics)
    {
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new RedisMetrics();
    }

    public RedisConnectionOptions Options { get; }

    /// <summary>True while commands can be sent: connected and through AUTH and SELECT.</summary>
    public bool IsConnected => _pipeline?.IsOpen == true;

    /// <summary>Raised after a reconnect, once the connection accepts commands again.</summary>
    public event EventHandler? Connected;

    /// <summary>Raised after the connection broke and every command in flight has failed.</summary>
    public event EventHandler? Disconnected;

    /// <summary>
    /// Connects, authenticates and selects the database, or throws <see cref="RedisConnectionException"/>
    /// (unreachable, refused credentials, connect timeout). Only this first connect throws; later
    /// breaks are repaired in the background.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisConnectionOptions options, ILogger? logger = null, RedisMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        options.ThrowIfInvalid();
        var connection = new RedisConnection(options, logger, metrics);
        try
        {
            var transport = await RedisConnector.OpenAsync(options, cancellationToken);
            var pipeline = connection.Attach(transport);
            connection._supervision = connection.SuperviseAsync(pipeline);
        }
        catch
        {
            connection.DisposeMetrics();
            throw;
        }

        RedisLog.Connected(connection._logger, options.EndPoint);
        return connection;
    }

    /// <summary>
    /// Sends a command and returns its reply. An error reply throws <see cref="RedisServerException"/>;
    /// errors nested inside an aggregate reply (as in EXEC) stay values. The arguments are encoded
    /// before this returns, so the caller may reuse their buffers at once.
    /// </summary>
    public Task<RespValue> ExecuteAsync(string command, params ReadOnlySpan<RedisArg> args)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var encoded = new ArrayBufferWriter<byte>(64);
        RespWriter.WriteCommand(encoded, command, args);
        var pending = new PendingCommand(command, encoded.WrittenMemory, _metrics);
        var pipeline = _pipeline;
        if (pipeline is null || !pipeline.TryEnqueue(pending))
        {
            var refused = new RedisConnectionException($"Not connected to Redis at {Options.EndPoint} (reconnecting in the background); {command} was not sent.");
            _metrics.Error(refused);
            return Task.FromException<RespValue>(refused);
        }

        _metrics.Command();
        pending.StartTimer(Options.CommandTimeout);
        return pending.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _pipeline?.Close(new RedisConnectionException($"The connection to Redis at {Options.EndPoint} was disposed."));
        await _supervision;
        DisposeMetrics();
    }

    private CommandPipeline Attach(RespTransport transport)
    {
        // RESP3 pushes (such as client-tracking invalidations) are not replies; nothing here asks for them.
        var pipeline = new CommandPipeline(transport, static frame => frame.Type == RespType.Push, _logger, _metrics);
        pipeline.Start();
        _pipeline = pipeline;
        return pipeline;
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
            Raise(Disconnected, nameof(Disconnected));
            var next = await Reconnector.ReconnectAsync(Options, _logger, transport => Task.FromResult(Attach(transport)), _disposed.Token);
            if (next is null)
            {
                return;
            }

            if (_disposed.IsCancellationRequested)
            {
                // Disposed while attaching: DisposeAsync may have closed the old pipeline, not this one.
                next.Close(new RedisConnectionException($"The connection to Redis at {Options.EndPoint} was disposed."));
                await next.Closed;
                return;
            }

            pipeline = next;
            _metrics.Reconnect();
            RedisLog.Reconnected(_logger, Options.EndPoint);
            Raise(Connected, nameof(Connected));
        }
    }

    private void Raise(EventHandler? handlers, string name)
    {
        try
        {
            handlers?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception e)
        {
            RedisLog.EventHandlerFailed(_logger, name, e);
        }
    }

    private void DisposeMetrics()
    {
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }
}
