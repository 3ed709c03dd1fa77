using System.Buffers.Text;
using System.Security.Cryptography;

namespace Parley.Node.Auth;

/// <summary>
/// The HS256 key of embedded mode, kept in <c>{DataDirectory}/dev-signing.key</c> so that tokens
/// minted by <c>parley token</c> keep verifying across restarts. Embedded mode only: a cluster is
/// configured with real keys.
/// </summary>
public static class DevelopmentKey
{
    public const string FileName = "dev-signing.key";

    /// <summary>Random bytes in a new key: the full strength of HMAC-SHA256.</summary>
    public const int KeyBytes = 32;

    /// <summary>Whether <paramref name="dataDirectory"/> holds a development key.</summary>
    public static bool Exists(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, FileName));

    /// <summary>
    /// Reads the key, or creates it (and the directory) with <see cref="KeyBytes"/> random bytes as
    /// base64url text, readable by the owner only on Unix. The file appears complete or not at all,
    /// so two nodes starting at once on one directory end up with the same key.
    /// </summary>
    public static string LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return Read(path);
        }

        Directory.CreateDirectory(dataDirectory);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes));
        var temporary = Path.Combine(dataDirectory, $"{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(temporary, options))
            {
                writer.Write(key);
            }

            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process published its key first; use that one.
            return Read(path);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string Read(string path)
    {
        var key = File.ReadAllText(path).Trim();
        if (System.Text.Encoding.UTF8.GetByteCount(key) < VerificationKey.MinimumSecretBytes)
        {
            throw new InvalidDataException($"{path} holds fewer than {VerificationKey.MinimumSecretBytes} bytes; delete it to create a new development key.");
        }

        return key;
    }
}
