using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// A child process's end of the <see cref="ShardLines"/> protocol, over its stdin and stdout: the
/// barrier before measuring and the progress view. Writes are serialized, so a progress line never
/// interleaves with <c>@ready</c>. Stdin closing before <c>@go</c> means the parent is gone, and
/// the run ends.
/// </summary>
internal sealed class ShardChannel(TextReader input, TextWriter output) : IMeasureBarrier, IProgressView
{
    private readonly Lock _writing = new();

    public async Task BeforeMeasureAsync(CancellationToken cancellationToken)
    {
        Write(ShardLines.Ready);
        // A console reader cannot be cancelled, so the read runs apart and only the wait is cancelled.
        var go = Task.Run(() =>
        {
            while (input.ReadLine() is { } line)
            {
                if (line == ShardLines.Go)
                {
                    return true;
                }
            }

            return false;
        }, CancellationToken.None);
        if (!await go.WaitAsync(cancellationToken))
        {
            throw new OperationCanceledException("The parent process closed its end before the run could start measuring.");
        }
    }

    public void AfterMeasure() => Write(ShardLines.Ended);

    public Task ShowAsync(Func<Action<ProgressSample>, Task> run) => run(sample => Write(ShardLines.Progress(sample)));

    private void Write(string line)
    {
        lock (_writing)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
