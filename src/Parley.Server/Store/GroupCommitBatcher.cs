using System.Diagnostics;
using System.Threading.Channels;
using Parley.Server.Options;

namespace Parley.Server.Store;

/// <summary>
/// Turns many concurrent appends into few transactions. A batch is committed once its oldest
/// request has waited <see cref="StoreOptions.BatchWindow"/> or it holds
/// <see cref="StoreOptions.MaxBatchSize"/> requests. One commit is in flight at a time; requests
/// arriving meanwhile queue up and, having already waited their window, form the next batch as
/// soon as the commit returns, so batches grow with load and latency does not.
/// Guarantees: every caller gets the result of its own request, or
/// <see cref="StoreUnavailableException"/> when its batch failed, timed out or the batcher
/// stopped. After a timeout or a caller's cancellation the message may still have been committed;
/// a retry with the same message id is answered with the original sequence.
/// </summary>
internal sealed class GroupCommitBatcher : IAsyncDisposable
{
    private readonly IMessageStore _store;
    private readonly StoreOptions _options;
    private readonly StoreMetrics _metrics;
    private readonly ILogger<GroupCommitBatcher> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _disposed;

    public GroupCommitBatcher(IMessageStore store, StoreOptions options, StoreMetrics metrics, ILogger<GroupCommitBatcher> logger)
    {
        _store = store;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Commits <paramref name="request"/> with whatever else arrives in the same window.</summary>
    public Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<AppendResult>(cancellationToken);
        }

        var pending = new Pending(request, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException<AppendResult>(new StoreUnavailableException("The store is shutting down."));
        }

        return cancellationToken.CanBeCanceled ? pending.Completion.Task.WaitAsync(cancellationToken) : pending.Completion.Task;
    }

    /// <summary>Stops at once: the commit in flight and every queued request fail with <see cref="StoreUnavailableException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(Math.Min(_options.MaxBatchSize, 1024));
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                Take(reader, batch);
                if (batch.Count == 0)
                {
                    continue;
                }

                await GatherAsync(reader, batch);
                await CommitAsync(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: fall through and refuse what is left.
        }

        var refused = 0;
        foreach (var pending in batch)
        {
            refused += Fail(pending, "The store is shutting down.", null) ? 1 : 0;
        }

        while (reader.TryRead(out var pending))
        {
            refused += Fail(pending, "The store is shutting down.", null) ? 1 : 0;
        }

        StoreLog.BatcherStopped(_logger, refused);
    }

    /// <summary>Moves queued requests into the batch, up to its size, leaving out those whose caller gave up.</summary>
    private void Take(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var pending))
        {
            if (pending.CallerToken.IsCancellationRequested)
            {
                pending.Completion.TrySetCanceled(pending.CallerToken);
                continue;
            }

            batch.Add(pending);
        }
    }

    /// <summary>Waits for more requests until the oldest in the batch has waited its window or the batch is full.</summary>
    private async Task GatherAsync(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _options.MaxBatchSize)
        {
            var remaining = _options.BatchWindow - Stopwatch.GetElapsedTime(batch[0].Arrived);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var window = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            window.CancelAfter(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(window.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                return;
            }

            Take(reader, batch);
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        var requests = new AppendRequest[batch.Count];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = batch[i].Request;
        }

        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.CommitTimeout);

        // Run on the pool so the timeout holds even for a store whose async methods block.
        var commit = Task.Run(() => _store.AppendBatchAsync(requests, timeout.Token), CancellationToken.None);
        try
        {
            var results = await commit.WaitAsync(timeout.Token);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The store returned {results.Count} results for {batch.Count} requests.");
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.Committed(elapsed, batch.Count);
            StoreLog.Committed(_logger, batch.Count, elapsed.TotalMilliseconds);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            var (reason, message) = e switch
            {
                OperationCanceledException when _stopping.IsCancellationRequested => ("shutdown", "The store is shutting down."),
                OperationCanceledException => ("timeout", $"The store did not commit within {_options.CommitTimeout.TotalSeconds:0.###} s."),
                _ => ("error", "The store could not commit the message."),
            };
            _metrics.CommitFailed(reason);
            StoreLog.CommitFailed(_logger, batch.Count, reason, e);
            foreach (var pending in batch)
            {
                Fail(pending, message, e);
            }

            // An abandoned commit may still fail later; observe it so it is not reported as unobserved.
            _ = commit.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static bool Fail(Pending pending, string message, Exception? inner) =>
        pending.Completion.TrySetException(new StoreUnavailableException(message, inner));

    private sealed class Pending(AppendRequest request, CancellationToken callerToken)
    {
        public AppendRequest Request { get; } = request;

        public CancellationToken CallerToken { get; } = callerToken;

        public long Arrived { get; } = Stopwatch.GetTimestamp();

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
