namespace Parley.Bench.Running;

/// <summary>
/// Lines up the measured windows of runs that belong together (the processes of one sharded run):
/// a run waits at <see cref="BeforeMeasureAsync"/> until all have reached the start of their
/// window, so their traffic and, above all, a storm's drop begin together.
/// </summary>
internal interface IMeasureBarrier
{
    /// <summary>Returns once every run may start measuring; throws if the run must end instead.</summary>
    Task BeforeMeasureAsync(CancellationToken cancellationToken);

    /// <summary>Says that this run's measured window has ended.</summary>
    void AfterMeasure();
}
