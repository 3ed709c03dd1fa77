namespace Parley.Bench.Running;

/// <summary>No display (tests, or output that only wants the result file).</summary>
internal sealed class SilentProgress : IProgressView
{
    public Task ShowAsync(Func<Action<ProgressSample>, Task> run) => run(static _ => { });
}
