using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Parley.Tests.Architecture;

/// <summary>
/// Every type of one module that another type of it uses: in its base type, interfaces,
/// attributes, members' signatures and method bodies (including the compiler's nested types for
/// lambdas, iterators and async methods, counted as their outermost type's).
/// </summary>
internal static class TypeUses
{
    public static IEnumerable<(TypeDefinition User, TypeDefinition Used)> In(ModuleDefinition module)
    {
        foreach (var type in module.GetTypes())
        {
            var user = Outermost(type);
            foreach (var reference in Referenced(type))
            {
                foreach (var used in Definitions(reference, module))
                {
                    var outer = Outermost(used);
                    if (outer != user)
                    {
                        yield return (user, outer);
                    }
                }
            }
        }
    }

    public static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var i in type.Interfaces)
        {
            yield return i.InterfaceType;
        }

        foreach (var a in Attributes(type))
        {
            yield return a;
        }

        foreach (var f in type.Fields)
        {
            yield return f.FieldType;
            foreach (var a in Attributes(f))
            {
                yield return a;
            }
        }

        foreach (var p in type.Properties)
        {
            yield return p.PropertyType;
        }

        foreach (var e in type.Events)
        {
            yield return e.EventType;
        }

        foreach (var m in type.Methods)
        {
            foreach (var r in InMethod(m))
            {
                yield return r;
            }
        }
    }

    private static IEnumerable<TypeReference> InMethod(MethodDefinition method)
    {
        yield return method.ReturnType;
        foreach (var p in method.Parameters)
        {
            yield return p.ParameterType;
        }

        foreach (var a in Attributes(method))
        {
            yield return a;
        }

        foreach (var g in method.GenericParameters)
        {
            foreach (var c in g.Constraints)
            {
                yield return c.ConstraintType;
            }
        }

        if (!method.HasBody)
        {
            yield break;
        }

        foreach (var v in method.Body.Variables)
        {
            yield return v.VariableType;
        }

        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference t:
                    yield return t;
                    break;
                case MethodReference m:
                    yield return m.DeclaringType;
                    yield return m.ReturnType;
                    foreach (var p in m.Parameters)
                    {
                        yield return p.ParameterType;
                    }

                    if (m is GenericInstanceMethod generic)
                    {
                        foreach (var g in generic.GenericArguments)
                        {
                            yield return g;
                        }
                    }

                    break;
                case FieldReference f:
                    yield return f.DeclaringType;
                    yield return f.FieldType;
                    break;
            }
        }
    }

    private static IEnumerable<TypeReference> Attributes(ICustomAttributeProvider provider)
    {
        foreach (var a in provider.CustomAttributes)
        {
            yield return a.AttributeType;
            foreach (var argument in a.ConstructorArguments)
            {
                if (argument.Value is TypeReference t)
                {
                    yield return t;
                }
            }
        }
    }

    /// <summary>The definitions in <paramref name="module"/> that a reference names, generic arguments and element types included.</summary>
    private static IEnumerable<TypeDefinition> Definitions(TypeReference reference, ModuleDefinition module)
    {
        switch (reference)
        {
            case GenericInstanceType generic:
                foreach (var d in Definitions(generic.ElementType, module))
                {
                    yield return d;
                }

                foreach (var argument in generic.GenericArguments)
                {
                    foreach (var d in Definitions(argument, module))
                    {
                        yield return d;
                    }
                }

                break;
            case TypeSpecification specification:
                foreach (var d in Definitions(specification.ElementType, module))
                {
                    yield return d;
                }

                break;
            case TypeDefinition definition when definition.Module == module:
                yield return definition;
                break;
        }
    }
}
