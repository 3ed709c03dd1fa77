using Parley.Server.Cluster.Local;

namespace Parley.Tests.Support;

/// <summary>
/// The one RabbitMQ server of a test run, started by the product's <see cref="LocalRabbitMq"/>: it
/// takes seconds to boot, so every RabbitMQ test shares it (a fixture of the
/// <see cref="RabbitMqCollection"/>), isolated by an exchange of its own. The collection's tests run
/// one after another, so one of them may restart the server without disturbing the others. It is
/// stopped, with its epmd, and its directory removed once the collection has run.
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private LocalRabbitMq? _server;

    public LocalRabbitMq Server => _server ?? throw new InvalidOperationException("The shared RabbitMQ is not started.");

    /// <summary>An exchange name no other test uses.</summary>
    public static string UniqueExchange() => "test-" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync() => _server = await LocalRabbitMq.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The tests that use the shared RabbitMQ server: one at a time, since some restart it.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqServer>
{
    public const string Name = "RabbitMQ";
}
