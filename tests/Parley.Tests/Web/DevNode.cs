using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>Test nodes as a developer runs one: embedded, loopback only, verifying with the development key.</summary>
internal static class DevNode
{
    /// <summary>An embedded node on 127.0.0.1 with no configured key, so it creates and uses its development key.</summary>
    public static Task<TestNode> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?> { ["Parley:Auth:HmacSecret"] = "" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        return TestNode.StartAsync(merged);
    }
}
