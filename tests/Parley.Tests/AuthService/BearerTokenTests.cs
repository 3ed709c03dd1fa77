using Parley.Auth;
using Parley.Common;

namespace Parley.Tests.AuthService;

/// <summary>The one reading of <c>Authorization: Bearer</c>, shared by the auth service and every node.</summary>
public sealed class BearerTokenTests
{
    [Theory]
    [InlineData("Bearer abc.def.ghi")]
    [InlineData("bearer abc.def.ghi")]
    [InlineData("BEARER abc.def.ghi")]
    [InlineData("bEaReR abc.def.ghi")]
    public void The_scheme_is_read_in_any_letter_case(string header)
    {
        Assert.Equal("abc.def.ghi", BearerToken.Parse(header));
    }

    [Theory]
    [InlineData("Bearer   abc")]
    [InlineData("Bearer abc   ")]
    [InlineData("Bearer \tabc\t")]
    public void Spaces_around_the_token_are_ignored(string header)
    {
        Assert.Equal("abc", BearerToken.Parse(header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer     ")]
    public void A_missing_or_empty_token_is_no_token(string? header)
    {
        Assert.Null(BearerToken.Parse(header));
    }

    [Theory]
    [InlineData("Basic YWxpY2U6c2VjcmV0")]
    [InlineData("Token abc")]
    [InlineData("Bearerabc")]
    [InlineData("Bearer\tabc")]
    [InlineData(" Bearer abc")]
    [InlineData("abc")]
    public void Other_schemes_and_a_scheme_without_its_space_carry_no_bearer_token(string header)
    {
        Assert.Null(BearerToken.Parse(header));
    }

    [Fact]
    public void The_node_and_the_auth_service_read_bearer_tokens_through_one_definition()
    {
        var withOwnParser = new[] { typeof(Parley.Node.Http.HttpAuth), typeof(Parley.Auth.Http.Callers) }
            .Where(t => t.GetMethod("BearerToken", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic) is not null);
        Assert.Empty(withOwnParser);
    }
}
