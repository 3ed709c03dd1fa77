using Parley.Auth;
using Parley.Common;

namespace Parley.Tests.AuthService;

public sealed class AuthServiceOptionsTests
{
    private static readonly string Operator = new('o', AuthServiceOptionsValidator.MinimumOperatorTokenLength);

    [Fact]
    public void The_defaults_with_an_operator_token_are_valid()
    {
        var result = new AuthServiceOptionsValidator().Validate(null, new AuthServiceOptions { OperatorToken = Operator });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void The_documented_defaults_hold()
    {
        var options = new AuthServiceOptions();

        Assert.Equal(("parley-auth", "parley"), (options.Issuer, options.Audience));
        Assert.Equal(TimeSpan.FromMinutes(15), options.AccessTokenLifetime);
        Assert.Equal(TimeSpan.FromDays(30), options.RefreshTokenLifetime);
        Assert.Equal(TimeSpan.FromDays(30), options.KeyRotationInterval);
        Assert.Equal((5, 30), (options.LoginRateLimit.PerUserPerMinute, options.LoginRateLimit.PerAddressPerMinute));
        Assert.Equal(10, options.Passwords.MinimumLength);
        Assert.Equal("", options.PostgresConnectionString);
    }

    [Fact]
    public void A_missing_or_short_operator_token_stops_the_service_with_every_problem_listed()
    {
        var result = new AuthServiceOptionsValidator().Validate(null, new AuthServiceOptions
        {
            OperatorToken = "short",
            AccessTokenLifetime = TimeSpan.FromDays(2),
            KeyRotationInterval = TimeSpan.FromMinutes(10),
            Passwords = new PasswordRuleOptions { MinimumLength = 4 },
            PostgresConnectionString = "this is = not ; = valid",
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("OperatorToken", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("AccessTokenLifetime", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("KeyRotationInterval", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("MinimumLength", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("PostgresConnectionString", StringComparison.Ordinal));
    }

    [Fact]
    public void Room_patterns_the_service_accepts_are_the_ones_nodes_accept()
    {
        string?[][] samples = [["general"], ["team-*"], ["*"], [], ["../x"], ["team-**"], ["*-x"], [null]];
        foreach (var sample in samples)
        {
            var nodeAccepts = sample.All(p => p is not null) && Parley.Node.Auth.RoomPatterns.TryParse(sample!, out _);
            Assert.Equal(nodeAccepts, Identifiers.AreValidRoomPatterns(sample));
        }
    }
}
