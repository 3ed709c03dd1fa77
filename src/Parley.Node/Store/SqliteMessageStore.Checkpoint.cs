using Microsoft.Data.Sqlite;

namespace Parley.Node.Store;

/// <summary>
/// WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit that
/// crosses the threshold, so that commit (and every batch waiting behind it) also waits for the
/// WAL to be copied into the database file and the file to be synced: a latency spike every few
/// thousand messages. The writer therefore never checkpoints; a connection of its own copies the
/// WAL back once a second in PASSIVE mode, which never blocks the writer or a reader. The writer's
/// close on shutdown checkpoints whatever is left.
/// </summary>
internal sealed partial class SqliteMessageStore
{
    /// <summary>
    /// How often the WAL is copied back into the database file. Each second keeps the WAL to one
    /// second of writes. On real time, not the node's clock: it paces disk work, which a test's
    /// clock cannot speed up.
    /// </summary>
    internal static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopCheckpoints = new();
    private Task _checkpoints = Task.CompletedTask;
    private long _checkpointsDone;

    /// <summary>Background checkpoints completed since the store opened.</summary>
    internal long CheckpointsDone => Interlocked.Read(ref _checkpointsDone);

    private static void DisableAutomaticCheckpoints(SqliteConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint = 0;";
        command.ExecuteNonQuery();
    }

    private void StartCheckpoints(string connectionString) => _checkpoints = Task.Run(() => RunCheckpointsAsync(connectionString));

    private async Task RunCheckpointsAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        using var timer = new PeriodicTimer(CheckpointInterval);
        try
        {
            await connection.OpenAsync(_stopCheckpoints.Token);
            while (await timer.WaitForNextTickAsync(_stopCheckpoints.Token))
            {
                try
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                    command.ExecuteNonQuery();
                    Interlocked.Increment(ref _checkpointsDone);
                }
                catch (SqliteException)
                {
                    // A busy or failing checkpoint is retried at the next tick; the WAL only grows meanwhile.
                }
            }
        }
        catch (OperationCanceledException) when (_stopCheckpoints.IsCancellationRequested)
        {
        }
    }

    private async Task StopCheckpointsAsync()
    {
        await _stopCheckpoints.CancelAsync();
        await _checkpoints;
        _stopCheckpoints.Dispose();
    }
}
