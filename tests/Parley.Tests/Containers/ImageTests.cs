using Parley.Tests.Containers.Support;

namespace Parley.Tests.Containers;

/// <summary>What the Parley image is, before anything runs in it: who it runs as, how it is checked and stopped, what it holds.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ImageTests(ContainerFixture fixture)
{
    [Fact]
    public async Task The_image_runs_parley_as_a_non_root_user_with_its_labels_a_readiness_check_and_SIGTERM()
    {
        var podman = fixture.Podman;
        string Inspect(string format) => podman.RunAsync("image", "inspect", ContainerFixture.Image, "--format", format).GetAwaiter().GetResult();

        Assert.Equal("10001:10001", Inspect("{{.Config.User}}"));
        Assert.Equal("SIGTERM", Inspect("{{.Config.StopSignal}}"));
        Assert.Equal("[/app/entrypoint.sh]", Inspect("{{.Config.Entrypoint}}"));
        var healthcheck = Inspect("{{json .Config.Healthcheck}}");
        Assert.Contains("\"/app/parley\",\"health\"", healthcheck.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("/healthz/ready", healthcheck, StringComparison.Ordinal);
        foreach (var label in new[] { "org.opencontainers.image.version", "org.opencontainers.image.source", "org.opencontainers.image.licenses" })
        {
            Assert.False(string.IsNullOrWhiteSpace(Inspect($"{{{{index .Labels \"{label}\"}}}}")), $"the image carries {label}");
        }

        Console.WriteLine($"container image: {fixture.ImageSize / 1_000_000.0:0.0} MB");
    }

    [Fact]
    public async Task The_image_holds_the_published_program_and_the_web_app_but_no_SDK()
    {
        var result = await fixture.Podman.TryAsync(
            "run", "--rm", "--read-only", "--entrypoint", "/bin/sh", ContainerFixture.Image, "-c",
            "test -x /app/parley && test -f /app/wwwroot/index.html && ! command -v dotnet && test ! -e /usr/share/dotnet && test ! -e /app/sdk && echo checked");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal("checked", result.Output.Trim());
    }

    [Fact]
    public async Task The_same_image_runs_the_auth_service_and_the_administration_commands()
    {
        var auth = await fixture.Podman.TryAsync("run", "--rm", "--read-only", ContainerFixture.Image, "auth", "serve", "--help");
        var help = await fixture.Podman.TryAsync("run", "--rm", "--read-only", ContainerFixture.Image, "help");

        Assert.True(auth.Succeeded, auth.ToString());
        Assert.Contains("--urls", auth.Output, StringComparison.Ordinal);
        Assert.True(help.Succeeded, help.ToString());
        foreach (var command in new[] { "serve", "token", "tenant", "user", "apikey", "auth", "health" })
        {
            Assert.Contains("\n  " + command + " ", help.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_secret_in_a_file_becomes_the_setting_it_names_and_both_forms_at_once_are_refused()
    {
        var secrets = Path.Combine(fixture.Podman.Root, "secrets-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(secrets);
        File.WriteAllText(Path.Combine(secrets, "token"), "a-secret-from-a-file\n");
        string[] mount = ["--volume", $"{secrets}/token:/run/secrets/token:ro"];

        // The entry point itself, with its last line printing the environment instead of running parley.
        var read = await fixture.Podman.TryAsync(["run", "--rm", "--read-only", .. mount, "--env", "Parley__Example_FILE=/run/secrets/token",
            "--entrypoint", "/bin/sh", ContainerFixture.Image, "-c", "sed 's|^exec /app/parley .*|exec env|' /app/entrypoint.sh | sh"]);
        var both = await fixture.Podman.TryAsync(["run", "--rm", "--read-only", .. mount, "--env", "Parley__Example_FILE=/run/secrets/token", "--env", "Parley__Example=inline",
            ContainerFixture.Image, "help"]);

        Assert.True(read.Succeeded, read.ToString());
        Assert.Contains("Parley__Example=a-secret-from-a-file\n", read.Output + "\n", StringComparison.Ordinal);
        Assert.DoesNotContain("Parley__Example_FILE", read.Output, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("both Parley__Example and Parley__Example_FILE are set", both.Error, StringComparison.Ordinal);
    }
}
