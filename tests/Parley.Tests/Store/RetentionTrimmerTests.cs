using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Options;
using Parley.Node.Store;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Store;

public sealed class RetentionTrimmerTests
{
    [Fact]
    public void A_tenant_without_overrides_gets_the_node_wide_policy()
    {
        var options = new RetentionOptions { MaxMessagesPerStream = 500, MaxAge = TimeSpan.FromDays(2) };

        Assert.Equal(new RetentionPolicy(500, TimeSpan.FromDays(2)), RetentionTrimmer.PolicyFor(options, "acme"));
    }

    [Fact]
    public void Tenant_overrides_win_over_the_node_wide_values_one_by_one()
    {
        var options = new RetentionOptions
        {
            MaxMessagesPerStream = 500,
            MaxAge = TimeSpan.FromDays(2),
            Tenants =
            {
                ["acme"] = new TenantRetentionOverrides { MaxMessagesPerStream = 50 },
                ["globex"] = new TenantRetentionOverrides { MaxAge = TimeSpan.FromHours(1) },
            },
        };

        Assert.Equal(new RetentionPolicy(50, TimeSpan.FromDays(2)), RetentionTrimmer.PolicyFor(options, "acme"));
        Assert.Equal(new RetentionPolicy(500, TimeSpan.FromHours(1)), RetentionTrimmer.PolicyFor(options, "globex"));
        Assert.Equal(new RetentionPolicy(500, TimeSpan.FromDays(2)), RetentionTrimmer.PolicyFor(options, "initech"));
    }

    [Fact]
    public void Zero_count_and_zero_age_mean_no_limit()
    {
        var options = new RetentionOptions
        {
            MaxMessagesPerStream = 0,
            MaxAge = TimeSpan.Zero,
            Tenants = { ["acme"] = new TenantRetentionOverrides { MaxMessagesPerStream = 0, MaxAge = TimeSpan.Zero } },
        };

        Assert.Equal(new RetentionPolicy(null, null), RetentionTrimmer.PolicyFor(options, "globex"));
        Assert.Equal(new RetentionPolicy(null, null), RetentionTrimmer.PolicyFor(options, "acme"));
    }

    [Fact]
    public void A_tenant_override_of_zero_lifts_a_node_wide_limit()
    {
        var options = new RetentionOptions
        {
            MaxMessagesPerStream = 100,
            MaxAge = TimeSpan.FromDays(1),
            Tenants = { ["acme"] = new TenantRetentionOverrides { MaxMessagesPerStream = 0, MaxAge = TimeSpan.Zero } },
        };

        Assert.Equal(new RetentionPolicy(null, null), RetentionTrimmer.PolicyFor(options, "acme"));
    }

    [Fact]
    public async Task The_trimmer_applies_each_tenants_policy_on_its_interval()
    {
        var directory = Path.Combine(Path.GetTempPath(), "parley-trimmer-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var store = await SqliteMessageStore.OpenAsync(Path.Combine(directory, "parley.db"), CancellationToken.None);
            var acme = StreamId.Room("acme", "general");
            var globex = StreamId.Room("globex", "general");
            foreach (var stream in new[] { acme, globex })
            {
                await store.AppendBatchAsync([.. Enumerable.Range(1, 6).Select(i => new AppendRequest(stream, "alice", $"m{i}", Encoding.UTF8.GetBytes("1"), DateTimeOffset.UtcNow))], CancellationToken.None);
            }

            var options = new ParleyOptions
            {
                Retention = new RetentionOptions
                {
                    MaxMessagesPerStream = 0,
                    TrimInterval = TimeSpan.FromMilliseconds(20),
                    Tenants = { ["acme"] = new TenantRetentionOverrides { MaxMessagesPerStream = 2 } },
                },
            };
            using var metrics = new StoreMetrics();
            using var trimmer = new RetentionTrimmer(store, Microsoft.Extensions.Options.Options.Create(options), metrics, NullLogger<RetentionTrimmer>.Instance);

            await trimmer.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(async () => (await store.GetHeadAsync(acme, CancellationToken.None)).FirstRetained == 5, "acme's room is trimmed to its last 2 messages");
            await trimmer.StopAsync(CancellationToken.None);

            Assert.Equal(new StreamHead(6, 5), await store.GetHeadAsync(acme, CancellationToken.None));
            Assert.Equal(new StreamHead(6, 1), await store.GetHeadAsync(globex, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
    [Fact]
    public async Task Messages_age_out_by_the_node_clock_on_the_node_clocks_interval()
    {
        var directory = Path.Combine(Path.GetTempPath(), "parley-trimmer-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clock = new WatchedClock(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
            await using var store = await SqliteMessageStore.OpenAsync(Path.Combine(directory, "parley.db"), CancellationToken.None);
            var acme = StreamId.Room("acme", "general");
            await store.AppendBatchAsync([.. Enumerable.Range(1, 3).Select(i => new AppendRequest(acme, "alice", $"m{i}", Encoding.UTF8.GetBytes("1"), clock.GetUtcNow()))], CancellationToken.None);
            var options = new ParleyOptions
            {
                Retention = new RetentionOptions { MaxMessagesPerStream = 0, MaxAge = TimeSpan.FromHours(1), TrimInterval = TimeSpan.FromMinutes(10) },
            };
            using var metrics = new StoreMetrics();
            using var trimmer = new RetentionTrimmer(store, Microsoft.Extensions.Options.Options.Create(options), metrics, NullLogger<RetentionTrimmer>.Instance, clock: clock);
            await trimmer.StartAsync(CancellationToken.None);
            await clock.PeriodicTimerStartedAsync(options.Retention.TrimInterval);

            // Stamped in 2031, the messages would never age by the system clock: only the node's
            // clock, moved past their hour in steps of the trim interval, makes them old.
            for (var minutes = 0; minutes <= 60; minutes += 10)
            {
                clock.Advance(TimeSpan.FromMinutes(10));
            }

            await Eventually.TrueAsync(async () => (await store.GetHeadAsync(acme, CancellationToken.None)).FirstRetained == 4, "the room's messages age out an hour after they were stamped");
            await trimmer.StopAsync(CancellationToken.None);

            Assert.Equal(new StreamHead(3, 4), await store.GetHeadAsync(acme, CancellationToken.None));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
