namespace Parley.Bench.Running;

/// <summary>Shows a run while it goes: <paramref name="run"/> is given the callback to call once a second.</summary>
internal interface IProgressView
{
    Task ShowAsync(Func<Action<ProgressSample>, Task> run);
}
