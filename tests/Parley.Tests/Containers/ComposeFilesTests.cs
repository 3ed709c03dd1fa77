using Parley.Tests.Containers.Support;
using YamlDotNet.RepresentationModel;

namespace Parley.Tests.Containers;

/// <summary>What the compose files promise, read without running them: one nginx configuration, health-gated order, secrets kept out.</summary>
public sealed class ComposeFilesTests
{
    private static readonly string Compose = Path.Combine(ContainerFixture.RepositoryRoot, "deploy", "compose");

    [Fact]
    public void The_compose_nginx_config_is_the_reference_config_with_service_names()
    {
        var reference = Governed(File.ReadAllText(Path.Combine(ContainerFixture.RepositoryRoot, "deploy", "nginx", "parley.conf")));
        var compose = Governed(File.ReadAllText(Path.Combine(Compose, "nginx", "parley.conf")));

        Assert.Equal(reference.Others, compose.Others);
        Assert.Equal(
            ["server parley-1:8080 max_fails=1 fail_timeout=5s;", "server parley-2:8080 max_fails=1 fail_timeout=5s;", "server parley-3:8080 max_fails=1 fail_timeout=5s;", "listen 8080;", "proxy_pass http://auth:8090/;"],
            compose.Governed);
    }

    [Fact]
    public void Every_node_starts_after_its_dependencies_are_healthy_stops_after_its_drain_and_reads_secrets_from_files()
    {
        var root = Load("compose.yaml");
        var services = (YamlMappingNode)root["services"];

        foreach (var node in new[] { "parley-1", "parley-2", "parley-3" })
        {
            var service = (YamlMappingNode)services[node];
            var dependencies = (YamlMappingNode)Get(service, "depends_on");
            Assert.Equal(["auth", "postgres", "redis"], dependencies.Children.Keys.Select(k => k.ToString()).Order());
            Assert.All(dependencies.Children.Values, d => Assert.Equal("service_healthy", ((YamlMappingNode)d)["condition"].ToString()));
            // Parley:Drain:Window (10 s) + FlushTimeout (5 s) + 5 s of host shutdown, with room to spare.
            Assert.Equal("30s", Get(service, "stop_grace_period").ToString());
            Assert.Equal("true", Get(service, "read_only").ToString());
            var environment = (YamlMappingNode)Get(service, "environment");
            Assert.Equal(node, Get(environment, "Parley__NodeId").ToString());
            Assert.Equal("/run/secrets/operator_token", Get(environment, "Parley__Directory__Token_FILE").ToString());
            Assert.Equal("/run/secrets/postgres_password", Get(environment, "PGPASSWORD_FILE").ToString());
            Assert.DoesNotContain("Password", Get(environment, "Parley__Postgres__ConnectionString").ToString(), StringComparison.OrdinalIgnoreCase);
        }

        var nginx = (YamlMappingNode)services["nginx"];
        Assert.All(((YamlMappingNode)nginx["depends_on"]).Children.Values, d => Assert.Equal("service_healthy", ((YamlMappingNode)d)["condition"].ToString()));
        var secrets = (YamlMappingNode)root["secrets"];
        Assert.All(secrets.Children.Values, s => Assert.True(((YamlMappingNode)s).Children.ContainsKey("file")));
        Assert.Equal(["auth-data", "postgres-data"], ((YamlMappingNode)root["volumes"]).Children.Keys.Select(k => k.ToString()).Order());
    }

    [Fact]
    public void The_debian_override_replaces_only_the_official_images()
    {
        var services = (YamlMappingNode)Load("compose.debian.yaml")["services"];

        Assert.Equal(["nginx", "postgres", "redis"], services.Children.Keys.Select(k => k.ToString()).Order());
        var official = (YamlMappingNode)Load("compose.yaml")["services"];
        Assert.Equal("redis:7.4", official["redis"]["image"].ToString());
        Assert.Equal("postgres:17", official["postgres"]["image"].ToString());
        Assert.Equal("nginx:1.27", official["nginx"]["image"].ToString());
    }

    /// <summary>A key of a mapping, or of the mapping it merges with <c>&lt;&lt;: *anchor</c> (YAML merge keys, which compose honours).</summary>
    private static YamlNode Get(YamlMappingNode mapping, string key)
    {
        if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return value;
        }

        if (mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode parent)
        {
            return Get(parent, key);
        }

        throw new KeyNotFoundException($"'{key}' is not in the mapping nor in what it merges.");
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Compose, file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>The lines the parley: markers govern (listen, upstream servers, the auth service's address), and the rest after the header comment.</summary>
    private static (List<string> Governed, List<string> Others) Governed(string config)
    {
        var governed = new List<string>();
        var rest = new List<string>();
        var started = false;
        var inUpstreams = false;
        var next = false;
        foreach (var line in config.Split('\n'))
        {
            var trimmed = line.Trim();
            started |= trimmed.StartsWith("map ", StringComparison.Ordinal);
            if (!started)
            {
                continue;
            }

            if (trimmed == "# parley:upstreams-begin" || trimmed == "# parley:upstreams-end")
            {
                inUpstreams = trimmed.EndsWith("begin", StringComparison.Ordinal);
            }
            else if (inUpstreams || (next && trimmed.Length > 0))
            {
                governed.Add(trimmed);
                next = false;
                continue;
            }

            next |= trimmed is "# parley:listen" or "# parley:auth-upstream";
            rest.Add(line);
        }

        return (governed, rest);
    }
}
