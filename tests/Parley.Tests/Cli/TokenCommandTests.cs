using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>
/// <c>parley token</c> never creates a key where one was expected, and a node says why it refused
/// a token minted with another directory's key.
/// </summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-token-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Token_refuses_a_directory_without_a_key_naming_it_and_how_to_create_one_and_creates_none()
    {
        var directory = Path.Combine(_root, "typo");

        var (exit, output) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--data", directory);

        Assert.Equal(2, exit);
        Assert.Contains($"no development key in {directory}", output, StringComparison.Ordinal);
        Assert.Contains("--create-key", output, StringComparison.Ordinal);
        Assert.Contains("parley serve --data", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Token_with_create_key_creates_the_key_once_and_then_reuses_it()
    {
        var directory = Path.Combine(_root, "data");

        var (exit, first) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--data", directory, "--create-key");
        var key = await File.ReadAllTextAsync(Path.Combine(directory, "dev-signing.key"));
        var (again, second) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "bob", "--data", directory);

        Assert.Equal((0, 0), (exit, again));
        Assert.Equal(3, first.Split('.').Length);
        Assert.Equal(3, second.Split('.').Length);
        Assert.Equal(key, await File.ReadAllTextAsync(Path.Combine(directory, "dev-signing.key")));
    }

    [Fact]
    public async Task Token_with_cluster_refuses_until_cluster_up_has_created_the_key()
    {
        var environment = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = _root };

        var (exit, output) = await ParleyProcess.RunAsync(environment, "token", "--cluster", "--tenant", "acme", "--user", "alice", "--create-key");

        Assert.Equal(2, exit);
        Assert.Contains("'parley cluster up' creates it", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "parley", "cluster", "dev-signing.key")));
    }

    [Fact]
    public async Task A_node_logs_that_a_token_minted_with_another_directorys_key_has_a_bad_signature_without_logging_the_token()
    {
        var served = Path.Combine(_root, "served");
        var other = Path.Combine(_root, "other");
        var port = ParleyProcess.FreePort();
        using var node = ParleyProcess.Start("serve", "--data", served, "--urls", $"http://127.0.0.1:{port}");
        await Eventually.TrueAsync(() => node.Output.Contains("started in embedded mode", StringComparison.Ordinal) || node.HasExited, "the node starts", TimeSpan.FromSeconds(30));
        var (_, token) = await ParleyProcess.RunAsync("token", "--tenant", "acme", "--user", "alice", "--data", other, "--create-key");

        await using var client = await RawClient.OpenAsync(new Uri($"ws://127.0.0.1:{port}/v1/ws"));
        await client.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");

        Assert.Equal(4500, await client.ExpectClosedAsync());
        await Eventually.TrueAsync(() => node.Output.Contains("Token refused (BadSignature)", StringComparison.Ordinal), "the node logs why it refused the token");
        Assert.Contains("another data directory", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], node.Output, StringComparison.Ordinal);
    }
}
