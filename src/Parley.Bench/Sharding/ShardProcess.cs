using System.Diagnostics;
using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// One child process of a sharded run, seen from the parent: it reads the child's stdout for the
/// <see cref="ShardLines"/> protocol and passes every other line, and all of stderr, on with the
/// shard's name. <see cref="Ready"/> completes true at <c>@ready</c>, false if the child exits first.
/// Disposing kills the child's whole process tree if it is still running.
/// </summary>
internal sealed class ShardProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private volatile ProgressSample? _latest;

    public ShardProcess(ShardSpec spec, ProcessStartInfo info, string resultDirectory, Action<string> output, Action<string> error)
    {
        Spec = spec;
        ResultDirectory = resultDirectory;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        var name = $"shard {spec.Index}: ";
        _reading = Task.WhenAll(
            ReadAsync(_process.StandardOutput, line => Observe(line, name, output)),
            ReadAsync(_process.StandardError, line => error(name + line)));
        Exited = ExitAsync();
    }

    public ShardSpec Spec { get; }

    /// <summary>Where the child writes its result.json.</summary>
    public string ResultDirectory { get; }

    /// <summary>True once the child waits at the start of its measured window; false if it exited before.</summary>
    public Task<bool> Ready => _ready.Task;

    /// <summary>Completes when the child's measured window has ended, or it exited.</summary>
    public Task Ended => _ended.Task;

    /// <summary>The child's exit code, once it has exited and its output has all been read.</summary>
    public Task<int> Exited { get; }

    /// <summary>The child's last progress sample, if any yet.</summary>
    public ProgressSample? Latest => _latest;

    /// <summary>Lets the child start measuring.</summary>
    public void Go()
    {
        try
        {
            _process.StandardInput.WriteLine(ShardLines.Go);
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // The child is gone; its exit code tells the rest.
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose()
    {
        if (!Exited.IsCompleted)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Observe(string line, string name, Action<string> output)
    {
        if (line == ShardLines.Ready)
        {
            _ready.TrySetResult(true);
        }
        else if (line == ShardLines.Ended)
        {
            _ended.TrySetResult();
        }
        else if (ShardLines.ParseProgress(line) is { } sample)
        {
            _latest = sample;
        }
        else
        {
            output(name + line);
        }
    }

    private async Task<int> ExitAsync()
    {
        await _process.WaitForExitAsync(CancellationToken.None);
        await _reading;
        _ready.TrySetResult(false);
        _ended.TrySetResult();
        return _process.ExitCode;
    }

    private static async Task ReadAsync(StreamReader reader, Action<string> line)
    {
        while (await reader.ReadLineAsync() is { } text)
        {
            line(text);
        }
    }
}
