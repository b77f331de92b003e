from recast_lint.entry import program

if __name__ == "__main__":
    program()
