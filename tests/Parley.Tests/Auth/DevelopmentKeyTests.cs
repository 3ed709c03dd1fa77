using System.Buffers.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Options;

namespace Parley.Tests.Auth;

public sealed class DevelopmentKeyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-tests", Guid.NewGuid().ToString("N"));

    private string DataDirectory => Path.Combine(_root, "data");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Key_is_created_once_with_its_directory_and_then_read_back_unchanged()
    {
        var created = DevelopmentKey.LoadOrCreate(DataDirectory);
        var read = DevelopmentKey.LoadOrCreate(DataDirectory);

        Assert.Equal(created, read);
        Assert.Equal(DevelopmentKey.KeyBytes, Base64Url.DecodeFromChars(created).Length);
        Assert.Equal(created, File.ReadAllText(Path.Combine(DataDirectory, DevelopmentKey.FileName)));
        Assert.Single(Directory.GetFiles(DataDirectory));
    }

    [Fact]
    public void Each_data_directory_gets_its_own_random_key()
    {
        Assert.NotEqual(DevelopmentKey.LoadOrCreate(DataDirectory), DevelopmentKey.LoadOrCreate(Path.Combine(_root, "other")));
    }

    [Fact]
    public void Key_file_is_readable_and_writable_by_its_owner_only()
    {
        DevelopmentKey.LoadOrCreate(DataDirectory);
        var path = Path.Combine(DataDirectory, DevelopmentKey.FileName);

        if (OperatingSystem.IsWindows())
        {
            Assert.True(File.Exists(path));
        }
        else
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Key_file_too_short_to_be_a_key_is_refused()
    {
        Directory.CreateDirectory(DataDirectory);
        File.WriteAllText(Path.Combine(DataDirectory, DevelopmentKey.FileName), "short");

        Assert.Throws<InvalidDataException>(() => DevelopmentKey.LoadOrCreate(DataDirectory));
    }

    [Fact]
    public async Task Token_minted_with_the_development_key_verifies_after_a_restart()
    {
        var auth = new AuthOptions();
        var token = DevelopmentTokenMinter.Mint(DevelopmentKey.LoadOrCreate(DataDirectory), auth, "acme", "alice", ["*"], [], TimeSpan.FromMinutes(1));

        var verifier = new JwtTokenVerifier(auth, DevelopmentKey.LoadOrCreate(DataDirectory), null, TimeProvider.System, NullLogger<JwtTokenVerifier>.Instance);
        var verification = await verifier.VerifyAsync(token, CancellationToken.None);

        Assert.Equal("acme", verification.Principal?.Tenant);
        Assert.True(verification.Principal!.Rooms.Allows("general"));
    }
}
