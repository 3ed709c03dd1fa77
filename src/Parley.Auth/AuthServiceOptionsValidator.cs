using Microsoft.Extensions.Options;
using Npgsql;

namespace Parley.Auth;

/// <summary>Checks every option at start; the service refuses to start with the full list of problems.</summary>
public sealed class AuthServiceOptionsValidator : IValidateOptions<AuthServiceOptions>
{
    /// <summary>Shortest operator token accepted: 32 characters of a random string are beyond guessing.</summary>
    public const int MinimumOperatorTokenLength = 32;

    public ValidateOptionsResult Validate(string? name, AuthServiceOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(!string.IsNullOrWhiteSpace(options.Issuer), "ParleyAuth:Issuer must not be empty.");
        Require(!string.IsNullOrWhiteSpace(options.Audience), "ParleyAuth:Audience must not be empty.");
        Require(options.AccessTokenLifetime >= TimeSpan.FromSeconds(30) && options.AccessTokenLifetime <= TimeSpan.FromDays(1),
            "ParleyAuth:AccessTokenLifetime must be between 30 seconds and 1 day.");
        Require(options.RefreshTokenLifetime > options.AccessTokenLifetime, "ParleyAuth:RefreshTokenLifetime must be longer than AccessTokenLifetime.");
        Require(options.KeyPublicationDelay >= TimeSpan.Zero, "ParleyAuth:KeyPublicationDelay must not be negative.");
        Require(options.KeyRotationInterval > options.KeyPublicationDelay + options.AccessTokenLifetime,
            "ParleyAuth:KeyRotationInterval must be longer than KeyPublicationDelay plus AccessTokenLifetime.");
        Require(options.RetiredKeyGrace >= TimeSpan.Zero, "ParleyAuth:RetiredKeyGrace must not be negative.");
        Require(options.MaintenanceInterval > TimeSpan.Zero, "ParleyAuth:MaintenanceInterval must be positive.");
        Require(options.OperatorToken.Length >= MinimumOperatorTokenLength && !options.OperatorToken.Any(char.IsWhiteSpace),
            $"ParleyAuth:OperatorToken is required: at least {MinimumOperatorTokenLength} characters without white space.");
        Require(!string.IsNullOrWhiteSpace(options.DataDirectory), "ParleyAuth:DataDirectory must not be empty.");
        Require(ConnectionStringParses(options.PostgresConnectionString), "ParleyAuth:PostgresConnectionString is not a valid connection string.");
        Require(options.LoginRateLimit.PerUserPerMinute >= 1, "ParleyAuth:LoginRateLimit:PerUserPerMinute must be at least 1.");
        Require(options.LoginRateLimit.PerAddressPerMinute >= 1, "ParleyAuth:LoginRateLimit:PerAddressPerMinute must be at least 1.");
        Require(options.Passwords.MinimumLength >= 8, "ParleyAuth:Passwords:MinimumLength must be at least 8.");
        Require(options.Passwords.MaximumLength >= options.Passwords.MinimumLength && options.Passwords.MaximumLength <= 4096,
            "ParleyAuth:Passwords:MaximumLength must be between MinimumLength and 4096.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool ConnectionStringParses(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
