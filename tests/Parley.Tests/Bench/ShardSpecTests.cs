using System.Net;
using Parley.Bench.Running;
using Parley.Bench.Sharding;
using Parley.Bench.Transport;

namespace Parley.Tests.Bench;

/// <summary>How a run is split: every connection, publisher and source address in exactly one shard, and the children's command lines.</summary>
public sealed class ShardSpecTests
{
    [Fact]
    public void Shards_take_every_connection_once_with_the_remainder_on_the_first()
    {
        var whole = new BenchSettings { Connections = 20_001, Publishers = 5, Rate = 900, MessageBudget = 1000, RunId = "abc" };

        var parts = Enumerable.Range(0, 3).Select(k => new ShardSpec(k, 3, "abc").Apply(whole)).ToList();

        Assert.Equal([6667, 6667, 6667], parts.Select(p => p.Connections));
        Assert.Equal([2, 2, 1], parts.Select(p => p.Publishers));
        Assert.All(parts, p => Assert.Equal(300, p.Rate));
        Assert.Equal(1000, parts.Sum(p => p.MessageBudget));
        Assert.Equal(["abcs0", "abcs1", "abcs2"], parts.Select(p => p.RunId));
    }

    [Fact]
    public void Every_shard_publishes_even_when_there_are_fewer_publishers_than_shards()
    {
        var whole = new BenchSettings { Connections = 100, Publishers = 1 };

        Assert.All(Enumerable.Range(0, 4), k => Assert.Equal(1, new ShardSpec(k, 4, "r").Apply(whole).Publishers));
    }

    [Fact]
    public void Source_addresses_are_split_into_disjoint_slices_covering_them_all()
    {
        var all = new SourceAddresses([.. Enumerable.Range(1, 16).Select(i => IPAddress.Parse($"127.0.0.{i}"))]);

        var slices = Enumerable.Range(0, 3).Select(k => new ShardSpec(k, 3, "r").Slice(all)!.All).ToList();

        Assert.Equal([6, 5, 5], slices.Select(s => s.Count));
        Assert.Equal(all.All, slices.SelectMany(s => s));
    }

    [Fact]
    public void A_split_with_fewer_addresses_or_connections_than_processes_is_refused()
    {
        var one = new SourceAddresses([IPAddress.Loopback]);

        Assert.NotNull(ShardSpec.Refusal(new BenchSettings(), one, 2));
        Assert.NotNull(ShardSpec.Refusal(new BenchSettings { Connections = 1 }, null, 2));
        Assert.Null(ShardSpec.Refusal(new BenchSettings(), one, 1));
    }

    [Theory]
    [InlineData("0/2@a1b2c3d4", true)]
    [InlineData("1/2@a1b2c3d4", true)]
    [InlineData("2/2@a1b2c3d4", false)]
    [InlineData("0/0@a", false)]
    [InlineData("0/2", false)]
    [InlineData("0/2@", false)]
    [InlineData("0/2@a-b", false)]
    public void Shard_text_parses_only_in_its_one_form(string text, bool valid)
    {
        Assert.Equal(valid, ShardSpec.TryParse(text, out var spec));
        if (valid)
        {
            Assert.Equal(text, spec!.ToString());
        }
    }

    [Fact]
    public void A_child_gets_the_runs_arguments_with_its_own_shard_and_result_directory()
    {
        string[] given = ["bench", "broadcast", "--out", "runs/x", "--connections", "10", "--processes=2", "--out:y", "--processes", "2", "--plain"];

        var child = ShardLaunch.ChildArguments(given, new ShardSpec(1, 2, "r"), "/tmp/run/shard-1");

        Assert.Equal(["bench", "broadcast", "--connections", "10", "--plain", "--shard", "1/2@r", "--out", "/tmp/run/shard-1"], child);
    }
}
