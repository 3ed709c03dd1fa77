using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Parley.Auth.Credentials;

/// <summary>
/// Password rules and hashing with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>:
/// PBKDF2 with a random salt per password and a format marker, so stored hashes carry their own
/// version and are upgraded when a login finds them outdated. Checking a user that does not exist
/// costs the same as checking a wrong password: a dummy hash is verified instead.
/// </summary>
internal sealed class Passwords
{
    private readonly PasswordHasher<PasswordOwner> _hasher = new();
    private readonly PasswordRuleOptions _rules;
    private readonly string _dummyHash;

    public Passwords(IOptions<AuthServiceOptions> options)
    {
        _rules = options.Value.Passwords;
        _dummyHash = _hasher.HashPassword(PasswordOwner.Instance, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
    }

    /// <summary>Why <paramref name="password"/> is refused, or null when it is acceptable.</summary>
    public string? Problem(string? password)
    {
        if (password is null || password.Length < _rules.MinimumLength)
        {
            return $"A password needs at least {_rules.MinimumLength} characters.";
        }

        return password.Length > _rules.MaximumLength ? $"A password has at most {_rules.MaximumLength} characters." : null;
    }

    public string Hash(string password) => _hasher.HashPassword(PasswordOwner.Instance, password);

    /// <summary>
    /// Checks <paramref name="password"/> against <paramref name="hash"/>; a null hash (no such user)
    /// verifies against the dummy and fails, taking as long as a real check.
    /// </summary>
    public PasswordCheck Verify(string? hash, string password)
    {
        if (password.Length > _rules.MaximumLength)
        {
            _hasher.VerifyHashedPassword(PasswordOwner.Instance, _dummyHash, password[.._rules.MaximumLength]);
            return PasswordCheck.Wrong;
        }

        var result = _hasher.VerifyHashedPassword(PasswordOwner.Instance, hash ?? _dummyHash, password);
        return hash is null ? PasswordCheck.Wrong : result switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Right,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.RightButOutdated,
            _ => PasswordCheck.Wrong,
        };
    }

    /// <summary>The hasher's type argument; the default hasher does not look at it.</summary>
    private sealed class PasswordOwner
    {
        public static readonly PasswordOwner Instance = new();
    }
}

internal enum PasswordCheck
{
    Wrong,
    Right,

    /// <summary>Right, and the hash should be replaced by one in the current format.</summary>
    RightButOutdated,
}
