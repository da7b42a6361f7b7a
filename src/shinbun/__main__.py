from shinbun.cli import main

main()
