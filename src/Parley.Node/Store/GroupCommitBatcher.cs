using System.Diagnostics;
using System.Threading.Channels;
using Parley.Node.Options;

namespace Parley.Node.Store;

/// <summary>
/// Turns many concurrent appends into few transactions. A batch is committed once its oldest
/// request has waited <see cref="StoreOptions.BatchWindow"/> or it holds
/// <see cref="StoreOptions.MaxBatchSize"/> requests. One commit is in flight at a time; requests
/// arriving meanwhile queue up and, having already waited their window, form the next batch as
/// soon as the commit returns, so batches grow with load and latency does not.
/// Guarantees:
/// <list type="bullet">
/// <item>Commits never overlap, not even after a timeout: the next batch reaches the store only once
/// the previous commit has finished, so requests are committed in the order they were queued.</item>
/// <item>Every committed batch is handed to the <see cref="ICommitObserver"/> in commit order,
/// whether or not its callers still wait: a caller that cancels, or whose commit overran
/// <see cref="StoreOptions.CommitTimeout"/>, never keeps a committed message from being delivered.</item>
/// <item>Every caller gets the result of its own request; <see cref="StoreUnavailableException"/>
/// when nothing of it was stored; or <see cref="CommitOutcomeUnknownException"/> when its commit
/// did not finish within the timeout (a retry with the same message id tells which).</item>
/// <item>While a commit overruns its timeout, the requests queued behind it are refused with
/// <see cref="StoreUnavailableException"/> each time another timeout passes: they never reached the store.</item>
/// </list>
/// </summary>
/// <remarks>
/// The batch window, the commit timeout and the commit durations are measured on
/// <see cref="Stopwatch"/>, not on the node's <see cref="TimeProvider"/>: they bound and measure a
/// real store's I/O in milliseconds, and a test that moves the node's clock must neither stall
/// nor hurry a commit.
/// </remarks>
internal sealed class GroupCommitBatcher : IAsyncDisposable
{
    private readonly IMessageStore _store;
    private readonly StoreOptions _options;
    private readonly StoreMetrics _metrics;
    private readonly ILogger<GroupCommitBatcher> _logger;
    private readonly ICommitObserver? _observer;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _disposed;

    public GroupCommitBatcher(IMessageStore store, StoreOptions options, StoreMetrics metrics, ILogger<GroupCommitBatcher> logger, ICommitObserver? observer = null)
    {
        _store = store;
        _observer = observer;
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
        var overran = !await FinishesWithinAsync(commit, _options.CommitTimeout);
        if (overran)
        {
            var reason = _stopping.IsCancellationRequested ? "shutdown" : "timeout";
            _metrics.CommitFailed(reason);
            StoreLog.CommitOverran(_logger, batch.Count, reason);
            var message = _stopping.IsCancellationRequested
                ? "The store is shutting down while the message was being committed; it may or may not have been stored."
                : $"The store did not confirm the commit within {_options.CommitTimeout.TotalSeconds:0.###} s; the message may or may not have been stored.";
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(new CommitOutcomeUnknownException(message));
            }

            if (!await AwaitOverrunAsync(commit))
            {
                // Stopping: nothing more is delivered; observe a late failure so it is not reported as unobserved.
                _ = commit.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                return;
            }
        }

        try
        {
            var results = await commit;
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The store returned {results.Count} results for {batch.Count} requests.");
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.Committed(elapsed, batch.Count);
            StoreLog.Committed(_logger, batch.Count, elapsed.TotalMilliseconds);
            if (elapsed > _options.CommitTimeout)
            {
                StoreLog.LateCommitDelivered(_logger, batch.Count, elapsed.TotalMilliseconds);
            }

            Observe(requests, results);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            var (reason, failure) = e switch
            {
                CommitOutcomeUnknownException unknown => ("unknown", (StoreUnavailableException)unknown),
                OperationCanceledException when _stopping.IsCancellationRequested => ("shutdown", new StoreUnavailableException("The store is shutting down; nothing was stored.", e)),
                OperationCanceledException => ("timeout", new StoreUnavailableException($"The store did not commit within {_options.CommitTimeout.TotalSeconds:0.###} s; nothing was stored.", e)),
                _ => ("error", new StoreUnavailableException("The store could not commit the message; nothing was stored.", e)),
            };
            if (!overran)
            {
                _metrics.CommitFailed(reason);
            }

            StoreLog.CommitFailed(_logger, batch.Count, reason, e);
            foreach (var pending in batch)
            {
                // A no-op for callers already told the outcome is unknown.
                pending.Completion.TrySetException(failure);
            }
        }
    }

    /// <summary>True once <paramref name="commit"/> has finished, failed or not; false when <paramref name="limit"/> passed first or the batcher is stopping.</summary>
    private async Task<bool> FinishesWithinAsync(Task commit, TimeSpan limit)
    {
        try
        {
            await commit.WaitAsync(limit, _stopping.Token);
        }
        catch (Exception) when (!commit.IsCompleted)
        {
            return false;
        }
        catch (Exception)
        {
            // The commit itself failed; the caller reads its outcome.
        }

        return true;
    }

    /// <summary>
    /// Waits for a commit that overran its timeout, so that the next commit never overlaps it (a
    /// later message would otherwise be able to get a lower sequence). Each further timeout that
    /// passes refuses the requests queued meanwhile: they never reached the store. False when the
    /// batcher stopped first.
    /// </summary>
    private async Task<bool> AwaitOverrunAsync(Task commit)
    {
        while (!await FinishesWithinAsync(commit, _options.CommitTimeout))
        {
            if (_stopping.IsCancellationRequested)
            {
                return false;
            }

            var refused = 0;
            while (_queue.Reader.TryRead(out var pending))
            {
                refused += Fail(pending, "The store is still finishing an earlier commit; nothing was stored.", null) ? 1 : 0;
            }

            if (refused > 0)
            {
                _metrics.CommitFailed("stalled");
                StoreLog.RefusedBehindOverrun(_logger, refused);
            }
        }

        return true;
    }

    private void Observe(AppendRequest[] requests, IReadOnlyList<AppendResult> results)
    {
        try
        {
            _observer?.OnCommitted(requests, results);
        }
        catch (Exception e)
        {
            // Members still receive the batch through the periodic head check.
            StoreLog.ObserverFailed(_logger, requests.Length, e);
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
