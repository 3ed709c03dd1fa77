namespace Parley.Server.Cluster.Local;

/// <summary>
/// A server of the local cluster that runs as one child process on a fixed loopback port, and that
/// the fault tests kill, start again on the same port, pause and resume.
/// </summary>
public abstract class LocalServerProcess(string name) : IAsyncDisposable
{
    private LocalProcess? _process;

    public bool IsRunning => _process is { HasExited: false };

    public LocalProcess Process => _process ?? throw new InvalidOperationException(name + " is not running.");

    /// <summary>Starts the server (again) on the same port and waits until it serves; does nothing while it runs.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        // Kept before the wait, so a server that never comes up is still killed on dispose.
        _process = Launch();
        await WaitUntilServingAsync(_process, cancellationToken);
    }

    /// <summary>
    /// Kills the server with SIGKILL (no shutdown: what a crash looks like to clients). A paused
    /// server dies without running again, so requests it had not answered are never answered.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }

            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    /// <summary>SIGSTOP: the server holds its connections but reads and answers nothing until <see cref="Resume"/>.</summary>
    public void Pause() => Process.Pause();

    public void Resume() => Process.Resume();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the server's process on its port.</summary>
    protected abstract LocalProcess Launch();

    /// <summary>Completes once the started process serves clients; throws if it does not in time.</summary>
    protected abstract Task WaitUntilServingAsync(LocalProcess process, CancellationToken cancellationToken);
}
