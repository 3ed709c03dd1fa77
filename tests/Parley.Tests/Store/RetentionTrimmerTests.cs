using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Options;
using Parley.Server.Store;
using Parley.Server.Tenancy;
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
}
