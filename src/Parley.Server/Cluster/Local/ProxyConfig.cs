using System.Text;

namespace Parley.Server.Cluster.Local;

/// <summary>Which load balancer fronts a local cluster.</summary>
public enum ProxyKind
{
    Nginx,
    Haproxy,
}

/// <summary>
/// Renders the reference configurations in <c>deploy/</c> for given ports: the line after
/// <c># parley:listen</c> becomes the listen address, and the lines between
/// <c># parley:upstreams-begin</c> and <c># parley:upstreams-end</c> become one server per node, and
/// the nginx block between <c># parley:auth-begin</c> and <c># parley:auth-end</c> proxies to the
/// auth service's port (the line after <c># parley:auth-upstream</c>), or is left out without one.
/// Everything else is used exactly as shipped, so the tests exercise the files users deploy.
/// </summary>
public static class ProxyConfig
{
    public static string Template(ProxyKind kind)
    {
        var name = kind == ProxyKind.Nginx ? "Parley.deploy.nginx.parley.conf" : "Parley.deploy.haproxy.parley.cfg";
        using var stream = typeof(ProxyConfig).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded configuration {name} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <param name="authPort">The auth service's loopback port; null: no auth service, its block is left out.</param>
    public static string Render(ProxyKind kind, string template, int listenPort, IReadOnlyList<int> nodePorts, int? authPort = null)
    {
        var output = new StringBuilder();
        var lines = template.Split('\n');
        var inUpstreams = false;
        var listenNext = false;
        var sawUpstreams = false;
        var sawListen = false;
        var inAuth = false;
        var authUpstreamNext = false;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            var indent = line[..(line.Length - line.TrimStart().Length)];
            if (trimmed == "# parley:auth-begin" || trimmed == "# parley:auth-end")
            {
                inAuth = trimmed == "# parley:auth-begin";
                if (authPort is not null)
                {
                    output.Append(line).Append('\n');
                }

                continue;
            }

            if (inAuth && authPort is null)
            {
                continue;
            }

            if (authUpstreamNext && trimmed.Length > 0)
            {
                authUpstreamNext = false;
                output.Append(indent).Append($"proxy_pass http://127.0.0.1:{authPort}/;").Append('\n');
                continue;
            }

            if (trimmed == "# parley:auth-upstream")
            {
                authUpstreamNext = true;
            }
            if (trimmed == "# parley:upstreams-begin")
            {
                inUpstreams = true;
                sawUpstreams = true;
                output.Append(line).Append('\n');
                for (var i = 0; i < nodePorts.Count; i++)
                {
                    output.Append(indent).Append(kind == ProxyKind.Nginx
                        ? $"server 127.0.0.1:{nodePorts[i]} max_fails=1 fail_timeout=5s;"
                        : $"server n{i + 1} 127.0.0.1:{nodePorts[i]} check").Append('\n');
                }

                continue;
            }

            if (trimmed == "# parley:upstreams-end")
            {
                inUpstreams = false;
            }
            else if (inUpstreams)
            {
                continue;
            }
            else if (listenNext && trimmed.Length > 0)
            {
                listenNext = false;
                output.Append(indent).Append(kind == ProxyKind.Nginx ? $"listen 127.0.0.1:{listenPort};" : $"bind 127.0.0.1:{listenPort}").Append('\n');
                continue;
            }
            else if (trimmed == "# parley:listen")
            {
                listenNext = true;
                sawListen = true;
            }

            output.Append(line).Append('\n');
        }

        if (!sawUpstreams || !sawListen || inUpstreams || inAuth)
        {
            throw new InvalidOperationException("The proxy configuration lacks its parley:listen or parley:upstreams markers.");
        }

        return output.ToString().TrimEnd('\n') + "\n";
    }
}
