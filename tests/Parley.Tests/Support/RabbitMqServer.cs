using Parley.Server.Cluster.Local;

namespace Parley.Tests.Support;

/// <summary>
/// The one RabbitMQ server of a test run, started by the product's <see cref="LocalRabbitMq"/> on
/// first use: it takes seconds to boot, so every RabbitMQ test shares it, isolated by an exchange
/// of its own. The tests that use it are in the <see cref="RabbitMqCollection"/>, so they run one
/// after another and one of them may restart it without disturbing the others.
/// </summary>
public sealed class RabbitMqServer
{
    private static readonly Lazy<Task<LocalRabbitMq>> Shared = new(StartSharedAsync);

    public static Task<LocalRabbitMq> SharedAsync() => Shared.Value;

    /// <summary>An exchange name no other test uses.</summary>
    public static string UniqueExchange() => "test-" + Guid.NewGuid().ToString("N");

    private static async Task<LocalRabbitMq> StartSharedAsync()
    {
        var server = await LocalRabbitMq.StartAsync();

        // Process exit allows no long cleanup: kill the broker and its epmd at once, then remove its
        // directory once they have let go of it (two seconds at most).
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server.KillNow();
            // Synchronous on purpose: a ProcessExit handler cannot await, and the wait is bounded.
            TemporaryDirectory.DeleteAsync(server.Directory).GetAwaiter().GetResult();
        };
        return server;
    }
}

/// <summary>The tests that use the shared RabbitMQ server: one at a time, since some restart it.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection
{
    public const string Name = "RabbitMQ";
}
